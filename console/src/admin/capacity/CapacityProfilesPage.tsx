import { useState } from "preact/hooks";

import { useI18n } from "../../i18n";
import type { PageProps } from "../../Shell";
import { type Problem, messageAt, problemOf } from "../queues/apiError";
import { Field } from "../queues/Field";
import {
  type CapacityProfile,
  type WrapUpBlocking,
  durationSeconds,
  secondsDuration,
  useCapacityProfiles,
} from "./profiles";
import "../queues/forms.css";

interface Draft {
  id: string | null;
  name: string;
  maxItems: string;
  blocking: WrapUpBlocking;
  wrapUpSeconds: string;
}

const draftOf = (profile: CapacityProfile | null): Draft => ({
  id: profile?.id ?? null,
  name: profile?.name ?? "",
  maxItems: String(profile?.maxItems ?? 1),
  blocking: profile?.blockAssignmentDuringWrapUp ?? "always",
  wrapUpSeconds: String(durationSeconds(profile?.wrapUpDuration) ?? 60),
});

const BLOCKING: WrapUpBlocking[] = ["always", "never", "fixed"];

/** /console/capacity-profiles: the profiles, and a form for a new one or the one chosen. */
export function CapacityProfilesPage({ api }: PageProps) {
  const { t } = useI18n();
  const [revision, setRevision] = useState(0);
  const profiles = useCapacityProfiles(api, revision);
  const [draft, setDraft] = useState<Draft>(draftOf(null));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (part: Partial<Draft>) => {
    setNotice(null);
    setDraft({ ...draft, ...part });
  };
  const at = (path: string) => messageAt(problem, path);
  const placed = ["name", "maxItems", "blockAssignmentDuringWrapUp", "wrapUpDuration"].some(at);

  const save = async (event: Event) => {
    event.preventDefault();
    const seconds = Number(draft.wrapUpSeconds);
    const body = {
      name: draft.name,
      maxItems: /^\d+$/.test(draft.maxItems.trim())
        ? Number(draft.maxItems)
        : (draft.maxItems as unknown as number),
      blockAssignmentDuringWrapUp: draft.blocking,
      wrapUpDuration:
        draft.blocking === "fixed"
          ? Number.isFinite(seconds)
            ? secondsDuration(seconds)
            : draft.wrapUpSeconds
          : null,
    };
    setSaving(true);
    const answer = await (draft.id
      ? api.PATCH("/api/admin/capacity-profiles/{id}", {
          params: { path: { id: draft.id } },
          body,
        })
      : api.POST("/api/admin/capacity-profiles", { body })
    ).catch(() => null);
    setSaving(false);
    if (answer?.data) {
      setProblem(null);
      setNotice(t("capacity.saved", { name: answer.data.name }));
      setDraft(draftOf(answer.data));
      setRevision((n) => n + 1);
      return;
    }
    setProblem(problemOf(answer?.error, answer?.response.status ?? 0));
  };

  const remove = async (profile: CapacityProfile) => {
    const answer = await api
      .DELETE("/api/admin/capacity-profiles/{id}", { params: { path: { id: profile.id } } })
      .catch(() => null);
    if (answer?.response.ok) {
      setProblem(null);
      setNotice(t("capacity.deleted", { name: profile.name }));
      if (draft.id === profile.id) setDraft(draftOf(null));
      setRevision((n) => n + 1);
      return;
    }
    setProblem(problemOf(answer?.error, answer?.response.status ?? 0));
  };

  return (
    <main class="page">
      <div class="qa-header">
        <h1>{t("nav.capacityProfiles")}</h1>
      </div>
      <p class="qa-intro">{t("capacity.intro")}</p>
      {notice && (
        <p class="qa-ok" role="status">
          {notice}
        </p>
      )}
      {problem && !placed && (
        <p class="qa-alert" role="alert">
          {problem.message || t("capacity.unavailable")}
        </p>
      )}
      {profiles.state === "loading" && (
        <p class="qa-state qa-muted" role="status">
          {t("common.loading")}
        </p>
      )}
      {profiles.state === "failed" && (
        <p class="qa-alert" role="alert">
          {profiles.problem.message || t("capacity.unavailable")}
        </p>
      )}
      {profiles.state === "ready" && !profiles.value.length && (
        <p class="qa-muted">{t("capacity.empty")}</p>
      )}
      {profiles.state === "ready" && profiles.value.length > 0 && (
        <div class="qa-table-wrap">
          <table class="qa-table">
            <thead>
              <tr>
                <th scope="col">{t("capacity.name")}</th>
                <th scope="col">{t("capacity.maxItems")}</th>
                <th scope="col">{t("capacity.blocking")}</th>
                <th scope="col">
                  <span class="qa-muted">{t("capacity.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {profiles.value.map((profile) => (
                <tr key={profile.id}>
                  <td>{profile.name}</td>
                  <td>{profile.maxItems}</td>
                  <td>
                    {t(`capacity.blocking.${profile.blockAssignmentDuringWrapUp}`)}
                    {profile.blockAssignmentDuringWrapUp === "fixed" && (
                      <span class="qa-sub">
                        {t("capacity.seconds", {
                          n: durationSeconds(profile.wrapUpDuration) ?? "?",
                        })}
                      </span>
                    )}
                  </td>
                  <td>
                    <button
                      type="button"
                      class="qa-link-button"
                      onClick={() => {
                        setProblem(null);
                        setDraft(draftOf(profile));
                      }}
                    >
                      {t("capacity.edit", { name: profile.name })}
                    </button>{" "}
                    <button
                      type="button"
                      class="qa-link-button"
                      onClick={() => void remove(profile)}
                    >
                      {t("capacity.delete", { name: profile.name })}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <form class="qa-form" noValidate onSubmit={save}>
        <section class="qa-section" aria-labelledby="profile-form">
          <h2 id="profile-form">{draft.id ? t("capacity.editing") : t("capacity.new")}</h2>
          <div class="qa-fields">
            <Field label={t("capacity.name")} error={at("name")}>
              {(control) => (
                <input
                  class="qa-input"
                  {...control}
                  maxLength={100}
                  value={draft.name}
                  onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
            <Field
              label={t("capacity.maxItems")}
              hint={t("capacity.maxItemsHint")}
              error={at("maxItems")}
            >
              {(control) => (
                <input
                  class="qa-input"
                  {...control}
                  type="number"
                  min={1}
                  max={100}
                  value={draft.maxItems}
                  onInput={(e) => set({ maxItems: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
            <Field
              label={t("capacity.blocking")}
              hint={t(`capacity.blockingHint.${draft.blocking}`)}
              error={at("blockAssignmentDuringWrapUp")}
            >
              {(control) => (
                <select
                  class="qa-select"
                  {...control}
                  value={draft.blocking}
                  onChange={(e) =>
                    set({ blocking: (e.target as HTMLSelectElement).value as WrapUpBlocking })
                  }
                >
                  {BLOCKING.map((mode) => (
                    <option key={mode} value={mode}>
                      {t(`capacity.blocking.${mode}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
            {draft.blocking === "fixed" && (
              <Field
                label={t("capacity.wrapUpSeconds")}
                hint={t("capacity.wrapUpSecondsHint")}
                error={at("wrapUpDuration")}
              >
                {(control) => (
                  <input
                    class="qa-input"
                    {...control}
                    type="number"
                    min={30}
                    max={3600}
                    value={draft.wrapUpSeconds}
                    onInput={(e) => set({ wrapUpSeconds: (e.target as HTMLInputElement).value })}
                  />
                )}
              </Field>
            )}
          </div>
        </section>
        <div class="qa-form-actions">
          <button type="submit" class="qa-primary" disabled={saving}>
            {saving ? t("common.saving") : draft.id ? t("common.save") : t("capacity.create")}
          </button>
          {draft.id && (
            <button type="button" class="qa-button" onClick={() => setDraft(draftOf(null))}>
              {t("common.cancel")}
            </button>
          )}
        </div>
      </form>
    </main>
  );
}
