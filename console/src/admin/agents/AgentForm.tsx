import { useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import { followLink, href, navigate } from "../../router";
import { useCapacityProfiles } from "../capacity/profiles";
import { type Problem, messageAt, problemOf } from "../queues/apiError";
import { Confirm, Field, LoadingDetail } from "../queues/Field";
import type { Queue } from "../queues/QueuesPage";
import type { Agent, FreshToken } from "./AgentsPage";
import { TokenOnce } from "./TokenOnce";

type Role = components["schemas"]["AgentRole"];

interface Draft {
  name: string;
  role: Role;
  queueIds: string[];
  capacity: string;
  /** Each skill's rating as typed: a number when sent, else sent as it is for the API's 400. */
  skills: { name: string; rating: string }[];
  capacityProfileIds: string[];
}

const draftOf = (agent: Agent | null): Draft => ({
  name: agent?.name ?? "",
  role: agent?.role ?? "agent",
  queueIds: agent?.queueIds ?? [],
  capacity: String(agent?.capacity ?? 3),
  skills: (agent?.skills ?? []).map((skill) => ({ name: skill.name, rating: String(skill.rating) })),
  capacityProfileIds: agent?.capacityProfileIds ?? [],
});

const asNumber = (text: string): number =>
  /^\d+$/.test(text.trim()) ? Number(text) : (text as unknown as number);

type Asking = "rotate" | "disable" | "delete" | null;

/** One agent: new (``agentId`` null) or stored, with its token and access actions. */
export function AgentForm({
  api,
  agentId,
  queues,
  queuesLoaded,
  fresh,
  onToken,
  onDone,
}: {
  api: Api;
  agentId: string | null;
  queues: Queue[];
  queuesLoaded: boolean;
  fresh: FreshToken | null;
  onToken: (fresh: FreshToken | null) => void;
  onDone: (notice: string | null) => void;
}) {
  const { t } = useI18n();
  const [agent, setAgent] = useState<Agent | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [draft, setDraft] = useState<Draft | null>(agentId ? null : draftOf(null));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  const [asking, setAsking] = useState<Asking>(null);
  const [busy, setBusy] = useState(false);
  const [actionNote, setActionNote] = useState<{ ok: boolean; text: string } | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const profiles = useCapacityProfiles(api);

  useEffect(() => {
    if (!agentId) return;
    api.GET("/api/admin/agents/{id}", { params: { path: { id: agentId } } }).then(
      ({ data, error, response }) => {
        if (data) {
          setAgent(data);
          setDraft(draftOf(data));
        } else setLoadProblem(problemOf(error, response.status));
      },
      () => setLoadProblem(problemOf(undefined)),
    );
  }, [api, agentId]);

  const back = (
    <a class="qa-back" href={href("agents")} onClick={followLink}>
      ← {t("agents.back")}
    </a>
  );
  if (!draft) {
    return (
      <LoadingDetail
        back={back}
        problem={loadProblem}
        loading={t("agents.loading")}
        notFound={t("agents.notFound")}
        unavailable={t("agents.unavailable")}
      />
    );
  }

  const set = (part: Partial<Draft>) => {
    setSaved(false);
    setDraft({ ...draft, ...part });
  };
  const at = (path: string) => messageAt(problem, path);
  const placed = problem?.field
    ? ["name", "role", "queueIds", "capacity", "skills", "capacityProfileIds"].some((p) => at(p))
    : false;

  const save = async (event: Event) => {
    event.preventDefault();
    const capacity = /^\d+$/.test(draft.capacity.trim())
      ? Number(draft.capacity)
      : (draft.capacity as unknown as number);
    const body = {
      name: draft.name,
      role: draft.role,
      queueIds: draft.queueIds,
      capacity,
      skills: draft.skills.map((skill) => ({ name: skill.name, rating: asNumber(skill.rating) })),
      capacityProfileIds: draft.capacityProfileIds,
    };
    setSaving(true);
    setSaved(false);
    if (agentId) {
      const answer = await api
        .PATCH("/api/admin/agents/{id}", { params: { path: { id: agentId } }, body })
        .catch(() => null);
      setSaving(false);
      if (answer?.data) {
        setAgent(answer.data);
        setProblem(null);
        setSaved(true);
        return;
      }
      setProblem(problemOf(answer?.error, answer?.response.status ?? 0));
      return;
    }
    const answer = await api
      .POST("/api/admin/agents", { body: { ...body, disabled: false } })
      .catch(() => null);
    setSaving(false);
    if (answer?.data) {
      const { token, ...created } = answer.data;
      onToken({ agentId: created.id, name: created.name, token });
      onDone(null);
      navigate(href("agents", created.id), { replace: true });
      return;
    }
    setProblem(problemOf(answer?.error, answer?.response.status ?? 0));
  };

  // A queue deleted since stays in the agent's queueIds (the API does not remove it): shown
  // checked under its id, so that it can be unticked rather than refused on every save.
  const known = new Set(queues.map((queue) => queue.id));
  const choices = [
    ...queues.map((queue) => ({ id: queue.id, name: queue.name })),
    ...(queuesLoaded ? (agent?.queueIds ?? []) : [])
      .filter((id) => !known.has(id))
      .map((id) => ({ id, name: t("agents.unknownQueue", { id }) })),
  ];

  const reason = (p: Problem) => p.message || t("agents.unavailable");

  const act = async () => {
    if (!agent) return;
    const which = asking;
    setBusy(true);
    if (which === "rotate") {
      const answer = await api
        .POST("/api/admin/agents/{id}/token", { params: { path: { id: agent.id } } })
        .catch(() => null);
      setBusy(false);
      setAsking(null);
      if (answer?.data) {
        const { token, ...rotated } = answer.data;
        setAgent(rotated);
        setActionNote(null);
        onToken({ agentId: agent.id, name: agent.name, token });
      } else
        setActionNote({
          ok: false,
          text: t("agents.rotateFailed", {
            reason: reason(problemOf(answer?.error, answer?.response.status ?? 0)),
          }),
        });
      return;
    }
    if (which === "delete") {
      const answer = await api
        .DELETE("/api/admin/agents/{id}", { params: { path: { id: agent.id } } })
        .catch(() => null);
      setBusy(false);
      setAsking(null);
      if (answer?.response.ok) {
        onDone(t("agents.deleted", { name: agent.name }));
        navigate(href("agents"));
        return;
      }
      const problem = problemOf(answer?.error, answer?.response.status ?? 0);
      setActionNote({
        ok: false,
        text:
          problem.code === "in_use"
            ? t("agents.inUse", { reason: reason(problem) })
            : t("agents.deleteFailed", { reason: reason(problem) }),
      });
      return;
    }
    await setDisabled(true);
  };

  const setDisabled = async (disabled: boolean) => {
    if (!agent) return;
    setBusy(true);
    const answer = await api
      .PATCH("/api/admin/agents/{id}", { params: { path: { id: agent.id } }, body: { disabled } })
      .catch(() => null);
    setBusy(false);
    setAsking(null);
    if (answer?.data) {
      setAgent(answer.data);
      setActionNote({
        ok: true,
        text: t(disabled ? "agents.disabledNote" : "agents.enabledNote", { name: agent.name }),
      });
    } else
      setActionNote({
        ok: false,
        text: t("agents.switchFailed", {
          reason: reason(problemOf(answer?.error, answer?.response.status ?? 0)),
        }),
      });
  };

  const ask = (which: Asking) => (event: Event) => {
    opener.current = event.currentTarget as HTMLElement;
    setAsking(which);
  };

  return (
    <main class="page">
      {back}
      <div class="qa-header">
        <h1>{agent ? agent.name : t("agents.new")}</h1>
        {agent?.disabled && <span class="qa-badge qa-badge-off">{t("agents.disabledBadge")}</span>}
      </div>
      {fresh && <TokenOnce name={fresh.name} token={fresh.token} onDone={() => onToken(null)} />}
      {actionNote && (
        <p class={actionNote.ok ? "qa-ok" : "qa-alert"} role={actionNote.ok ? "status" : "alert"}>
          {actionNote.text}
        </p>
      )}
      <form class="qa-form" noValidate onSubmit={save}>
        {problem && (
          <p class="qa-alert" role="alert">
            {placed ? t("agents.fixFields") : t("agents.saveFailed", { reason: reason(problem) })}
          </p>
        )}
        <section class="qa-section" aria-labelledby="agent-details">
          <h2 id="agent-details">{t("agents.details")}</h2>
          <div class="qa-fields">
            <Field label={t("agents.name")} error={at("name")}>
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
            <Field label={t("agents.role")} hint={t("agents.roleHint")} error={at("role")}>
              {(control) => (
                <select
                  class="qa-select"
                  {...control}
                  value={draft.role}
                  onChange={(e) => set({ role: (e.target as HTMLSelectElement).value as Role })}
                >
                  <option value="agent">{t("agents.role.agent")}</option>
                  <option value="supervisor">{t("agents.role.supervisor")}</option>
                </select>
              )}
            </Field>
            <Field
              label={t("agents.capacity")}
              hint={t("agents.capacityHint")}
              error={at("capacity")}
            >
              {(control) => (
                <input
                  class="qa-input"
                  {...control}
                  type="number"
                  min={0}
                  max={1000}
                  value={draft.capacity}
                  onInput={(e) => set({ capacity: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
          </div>
        </section>

        <fieldset class="qa-section">
          <legend>{t("agents.queues")}</legend>
          <p class="qa-intro">{t("agents.queuesHint")}</p>
          {queuesLoaded && !queues.length && <p class="qa-hint">{t("agents.noQueuesYet")}</p>}
          <div class="qa-checks">
            {choices.map(({ id, name }) => (
              <label class="qa-choice" key={id}>
                <input
                  type="checkbox"
                  checked={draft.queueIds.includes(id)}
                  onChange={(e) =>
                    set({
                      queueIds: (e.target as HTMLInputElement).checked
                        ? [...draft.queueIds, id]
                        : draft.queueIds.filter((queueId) => queueId !== id),
                    })
                  }
                />
                {name}
              </label>
            ))}
          </div>
          {at("queueIds") && <p class="qa-error">{at("queueIds")}</p>}
        </fieldset>

        <fieldset class="qa-section">
          <legend>{t("agents.skills")}</legend>
          <p class="qa-intro">{t("agents.skillsHint")}</p>
          <div class="qa-rows">
            {!draft.skills.length && <span class="qa-muted">{t("agents.noSkills")}</span>}
            {draft.skills.map((skill, index) => {
              const n = index + 1;
              const error = at(`skills.${index}`);
              const change = (part: Partial<Draft["skills"][number]>) =>
                set({ skills: draft.skills.map((s, i) => (i === index ? { ...s, ...part } : s)) });
              return (
                <div key={index}>
                  <div class="qa-row">
                    <input
                      class="qa-input qa-grow"
                      aria-label={t("agents.skill", { n })}
                      maxLength={50}
                      value={skill.name}
                      aria-invalid={at(`skills.${index}.name`) ? "true" : undefined}
                      onInput={(e) => change({ name: (e.target as HTMLInputElement).value })}
                    />
                    <input
                      class="qa-input qa-narrow"
                      type="number"
                      min={1}
                      max={10}
                      aria-label={t("agents.skillRating", { n })}
                      value={skill.rating}
                      aria-invalid={at(`skills.${index}.rating`) ? "true" : undefined}
                      onInput={(e) => change({ rating: (e.target as HTMLInputElement).value })}
                    />
                    <button
                      type="button"
                      class="qa-link-button"
                      aria-label={t("agents.removeSkill", { n })}
                      onClick={() => set({ skills: draft.skills.filter((_, i) => i !== index) })}
                    >
                      {t("hours.remove")}
                    </button>
                  </div>
                  {error && <p class="qa-error">{error}</p>}
                </div>
              );
            })}
          </div>
          {problem?.field === "skills" && <p class="qa-error">{problem.message}</p>}
          <button
            type="button"
            class="qa-button qa-small"
            onClick={() => set({ skills: [...draft.skills, { name: "", rating: "1" }] })}
          >
            {t("agents.addSkill")}
          </button>
        </fieldset>

        <fieldset class="qa-section">
          <legend>{t("agents.capacityProfiles")}</legend>
          <p class="qa-intro">{t("agents.capacityProfilesHint")}</p>
          {profiles.state === "ready" && !profiles.value.length && (
            <p class="qa-hint">{t("agents.noCapacityProfiles")}</p>
          )}
          <div class="qa-checks">
            {(profiles.state === "ready" ? profiles.value : []).map((profile) => (
              <label class="qa-choice" key={profile.id}>
                <input
                  type="checkbox"
                  checked={draft.capacityProfileIds.includes(profile.id)}
                  onChange={(e) =>
                    set({
                      capacityProfileIds: (e.target as HTMLInputElement).checked
                        ? [...draft.capacityProfileIds, profile.id]
                        : draft.capacityProfileIds.filter((id) => id !== profile.id),
                    })
                  }
                />
                {t("agents.capacityProfileChoice", { name: profile.name, n: profile.maxItems })}
              </label>
            ))}
          </div>
          {at("capacityProfileIds") && <p class="qa-error">{at("capacityProfileIds")}</p>}
        </fieldset>

        <div class="qa-form-actions">
          <button type="submit" class="qa-primary" disabled={saving}>
            {saving ? t("common.saving") : agentId ? t("common.save") : t("agents.create")}
          </button>
          <a class="qa-button" href={href("agents")} onClick={followLink}>
            {t("common.cancel")}
          </a>
          <span class="qa-status" role="status">
            {saved ? t("agents.saved") : ""}
          </span>
        </div>
      </form>

      {agent && (
        <section class="qa-section qa-danger-zone" aria-labelledby="agent-access">
          <h2 id="agent-access">{t("agents.actions")}</h2>
          {agent.conversationIds.length > 0 && (
            <p class="qa-hint">{t("agents.holding", { count: agent.conversationIds.length })}</p>
          )}
          <div class="qa-action-row">
            <button type="button" class="qa-button" onClick={ask("rotate")}>
              {t("agents.rotate")}
            </button>
            <p class="qa-hint">{t("agents.rotateHint")}</p>
          </div>
          <div class="qa-action-row">
            {agent.disabled ? (
              <button
                type="button"
                class="qa-button"
                disabled={busy}
                onClick={() => void setDisabled(false)}
              >
                {t("agents.enable")}
              </button>
            ) : (
              <button type="button" class="qa-danger" onClick={ask("disable")}>
                {t("agents.disable")}
              </button>
            )}
            <p class="qa-hint">{t("agents.disableHint")}</p>
          </div>
          <div class="qa-action-row">
            <button type="button" class="qa-danger" onClick={ask("delete")}>
              {t("agents.delete")}
            </button>
            <p class="qa-hint">{t("agents.deleteText")}</p>
          </div>
        </section>
      )}
      {agent && asking && (
        <Confirm
          title={t(`agents.${asking}Title`, { name: agent.name })}
          text={t(`agents.${asking}Text`, { name: agent.name })}
          confirm={t(
            asking === "rotate"
              ? "agents.rotate"
              : asking === "disable"
                ? "agents.disableConfirm"
                : "agents.deleteConfirm",
          )}
          cancel={t("common.cancel")}
          busy={busy}
          opener={opener}
          onClose={() => setAsking(null)}
          onConfirm={() => void act()}
        />
      )}
    </main>
  );
}
