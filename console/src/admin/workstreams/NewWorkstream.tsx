import { useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import { followLink, href, navigate } from "../../router";
import { apiError, errorAt, type FieldError } from "./model";
import { SetupSteps, type SetupDraft } from "./SetupWizard";
import { described, Field, useCatalog } from "./WorkstreamsPage";

/** New workstream: a name and the queue that takes what no rule does, then Set up WeChat;
 * nothing is created until Finish. */
export function NewWorkstream({ api }: { api: Api }) {
  const { t } = useI18n();
  const { catalog, error: loadError } = useCatalog(api);
  const [stage, setStage] = useState<"details" | "setup">("details");
  const [error, setError] = useState<FieldError | null>(null);
  const [draft, setDraft] = useState<SetupDraft>({
    name: "",
    fallbackQueueId: "",
    accountId: "",
    language: "zh-CN",
    automatedMessages: {},
    positionUpdateEvery: "",
    survey: null,
    fileAttachments: { customersCanSend: true, agentsCanSend: true },
  });

  const toSetup = (event: Event) => {
    event.preventDefault();
    if (!draft.name.trim()) return setError({ field: "name", message: t("workstreams.nameRequired") });
    if (!draft.fallbackQueueId)
      return setError({ field: "fallbackQueueId", message: t("workstreams.fallbackRequired") });
    setError(null);
    setStage("setup");
  };

  const create = async (finished: SetupDraft): Promise<FieldError | null> => {
    setDraft(finished);
    const { data, error } = await api.POST("/api/admin/workstreams", {
      body: {
        name: finished.name,
        fallbackQueueId: finished.fallbackQueueId,
        accountId: finished.accountId,
        language: finished.language,
        automatedMessages: finished.automatedMessages,
        positionUpdateEvery: finished.positionUpdateEvery || null,
        survey: finished.survey,
        fileAttachments: finished.fileAttachments,
      } as never,
    });
    if (error || !data) {
      const problem = apiError(error, t("setup.saveFailed"));
      if (problem.field === "name" || problem.field === "fallbackQueueId") {
        setError(problem);
        setStage("details");
        return null;
      }
      return problem;
    }
    navigate(href("workstreams", data.id));
    return null;
  };

  const nameError = errorAt(error, "name");
  const queueError = errorAt(error, "fallbackQueueId");
  return (
    <main class="page ws-page">
      <nav class="ws-tabs" aria-label={t("workstreams.tabsLabel")}>
        <a href={href("workstreams")} onClick={followLink} class="ws-back">
          {t("workstreams.all")}
        </a>
      </nav>
      <h1>{stage === "details" ? t("workstreams.new") : t("setup.titleFor", { name: draft.name })}</h1>
      {loadError && <p role="alert" class="error">{loadError.message}</p>}
      {!catalog && !loadError && <p role="status">{t("common.loading")}</p>}
      {catalog && stage === "details" && (
        <form class="ws-card" onSubmit={toSetup} noValidate>
          <Field id="ws-name" label={t("workstreams.name")} hint={t("workstreams.nameHint")} error={nameError}>
            <input
              {...described("ws-name", t("workstreams.nameHint"), nameError)}
              value={draft.name}
              maxLength={100}
              onInput={(e) => setDraft({ ...draft, name: (e.target as HTMLInputElement).value })}
            />
          </Field>
          <Field id="ws-fallback" label={t("workstreams.fallbackQueue")} hint={t("workstreams.fallbackHint")} error={queueError}>
            <select
              {...described("ws-fallback", t("workstreams.fallbackHint"), queueError)}
              value={draft.fallbackQueueId}
              onChange={(e) => setDraft({ ...draft, fallbackQueueId: (e.target as HTMLSelectElement).value })}
            >
              <option value="">{t("workstreams.chooseQueue")}</option>
              {catalog.queues.map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name}
                </option>
              ))}
            </select>
          </Field>
          {catalog.queues.length === 0 && (
            <p class="ws-hint">
              {t("workstreams.noQueues")}{" "}
              <a href={href("queues")} onClick={followLink}>
                {t("nav.queues")}
              </a>
            </p>
          )}
          <div class="ws-actions">
            <button type="submit" class="ws-button ws-primary">
              {t("setup.title")}
            </button>
          </div>
        </form>
      )}
      {catalog && stage === "setup" && <SetupSteps catalog={catalog} initial={draft} onFinish={create} />}
    </main>
  );
}
