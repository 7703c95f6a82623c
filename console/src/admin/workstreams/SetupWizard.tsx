import { useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n/messages";
import { navigate, href } from "../../router";
import {
  apiError,
  BEHAVIOR_MESSAGES,
  COMMON_LANGUAGES,
  errorAt,
  errorUnder,
  LANGUAGE_TAG,
  withMessage,
  type FieldError,
  type Messages,
  type Survey,
  type Workstream,
} from "./model";
import { described, Field, useCatalog, WorkstreamTabs, type Catalog } from "./WorkstreamsPage";

/** What Set up WeChat edits: the seed's pages, plus the name and fallback queue a new one needs. */
export interface SetupDraft {
  name: string;
  fallbackQueueId: string;
  accountId: string;
  language: string;
  automatedMessages: Messages;
  /** ISO 8601 duration of positionInQueue; "" for none. */
  positionUpdateEvery: string;
  survey: Survey | null;
  fileAttachments: { customersCanSend: boolean; agentsCanSend: boolean };
}

const STEPS = ["wechat", "language", "behaviors", "features", "summary"] as const;
type Step = (typeof STEPS)[number];
const STEP_LABEL: Record<Step, MessageKey> = {
  wechat: "setup.stepWechat",
  language: "setup.stepLanguage",
  behaviors: "setup.stepBehaviors",
  features: "setup.stepFeatures",
  summary: "setup.stepSummary",
};

/** The step where the field an API error names is edited. */
function stepOf(field: string | undefined): Step {
  if (!field) return "summary";
  if (field.startsWith("accountId")) return "wechat";
  if (field.startsWith("language")) return "language";
  if (field.startsWith("automatedMessages") || field.startsWith("survey") || field.startsWith("positionUpdateEvery"))
    return "behaviors";
  if (field.startsWith("fileAttachments")) return "features";
  return "summary";
}

export function draftOf(ws: Workstream): SetupDraft {
  return {
    name: ws.name,
    fallbackQueueId: ws.fallbackQueueId,
    accountId: ws.accountId,
    language: ws.language,
    automatedMessages: ws.automatedMessages as Messages,
    positionUpdateEvery: ws.positionUpdateEvery ?? "",
    survey: ws.survey ?? null,
    fileAttachments: { ...ws.fileAttachments },
  };
}

/** Set up WeChat on an existing workstream: the same steps, saved with PATCH. */
export function SetupWizard({ api, workstreamId }: { api: Api; workstreamId: string }) {
  const { t } = useI18n();
  const { catalog, error } = useCatalog(api);
  const ws = catalog?.workstreams.find((w) => w.id === workstreamId);
  return (
    <main class="page ws-page">
      <WorkstreamTabs id={workstreamId} current="setup" />
      <h1>{ws ? t("setup.titleFor", { name: ws.name }) : t("setup.title")}</h1>
      {error && <p role="alert" class="error">{error.message}</p>}
      {!catalog && !error && <p role="status">{t("common.loading")}</p>}
      {catalog && !ws && <p role="alert" class="error">{t("workstreams.notFound")}</p>}
      {catalog && ws && (
        <SetupSteps
          catalog={catalog}
          initial={draftOf(ws)}
          workstreamId={ws.id}
          onFinish={async (draft) => {
            const { data, error } = await api.PATCH("/api/admin/workstreams/{id}", {
              params: { path: { id: ws.id } },
              body: {
                accountId: draft.accountId,
                language: draft.language,
                automatedMessages: draft.automatedMessages,
                positionUpdateEvery: draft.positionUpdateEvery || null,
                survey: draft.survey,
                fileAttachments: draft.fileAttachments,
              } as never,
            });
            if (error || !data) return apiError(error, t("setup.saveFailed"));
            navigate(href("workstreams", ws.id));
            return null;
          }}
        />
      )}
    </main>
  );
}

export function SetupSteps({
  catalog,
  initial,
  workstreamId,
  onFinish,
}: {
  catalog: Catalog;
  initial: SetupDraft;
  workstreamId?: string;
  onFinish: (draft: SetupDraft) => Promise<FieldError | null>;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState(initial);
  const [step, setStep] = useState<Step>("wechat");
  const [error, setError] = useState<FieldError | null>(null);
  const [saving, setSaving] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  const index = STEPS.indexOf(step);
  useEffect(() => {
    // The current step is announced: focus moves to its heading (not on the first render).
    if (first.current) first.current = false;
    else heading.current?.focus();
  }, [step]);
  const change = (patch: Partial<SetupDraft>) => setDraft((d) => ({ ...d, ...patch }));

  const check = (at: Step): FieldError | null => {
    if (at === "wechat" && !draft.accountId) return { field: "accountId", message: t("setup.accountRequired") };
    if (at === "language" && !LANGUAGE_TAG.test(draft.language))
      return { field: "language", message: t("setup.languageInvalid") };
    return null;
  };
  const next = () => {
    const problem = check(step);
    setError(problem);
    if (!problem) setStep(STEPS[index + 1]!);
  };
  const finish = async () => {
    setSaving(true);
    const problem = await onFinish(draft);
    setSaving(false);
    if (problem) {
      setError(problem);
      setStep(stepOf(problem.field));
    }
  };

  return (
    <section class="ws-card ws-setup" aria-labelledby="setup-step-heading">
      <ol class="ws-stepper">
        {STEPS.map((s, i) => (
          <li
            key={s}
            aria-current={s === step ? "step" : undefined}
            class={i < index ? "ws-done" : s === step ? "ws-current" : ""}
          >
            <span class="ws-step-number" aria-hidden="true">
              {i + 1}
            </span>
            {t(STEP_LABEL[s])}
          </li>
        ))}
      </ol>
      <h2 id="setup-step-heading" tabIndex={-1} ref={heading}>
        {t("setup.stepOf", { n: index + 1, total: STEPS.length, name: t(STEP_LABEL[step]) })}
      </h2>
      {step === "wechat" && (
        <WechatStep catalog={catalog} draft={draft} change={change} error={error} workstreamId={workstreamId} />
      )}
      {step === "language" && <LanguageStep draft={draft} change={change} error={error} />}
      {step === "behaviors" && <BehaviorsStep draft={draft} change={change} error={error} />}
      {step === "features" && <FeaturesStep draft={draft} change={change} error={error} />}
      {step === "summary" && <SummaryStep catalog={catalog} draft={draft} />}
      {error && step === "summary" && (
        <p role="alert" class="ws-error">
          {error.message}
        </p>
      )}
      <div class="ws-actions">
        <button type="button" class="ws-button" disabled={index === 0} onClick={() => { setError(null); setStep(STEPS[index - 1]!); }}>
          {t("setup.back")}
        </button>
        {step !== "summary" ? (
          <button type="button" class="ws-button ws-primary" onClick={next}>
            {t("setup.next")}
          </button>
        ) : (
          <button type="button" class="ws-button ws-primary" disabled={saving} onClick={finish}>
            {saving ? t("common.saving") : t("setup.finish")}
          </button>
        )}
      </div>
    </section>
  );
}

interface StepProps {
  draft: SetupDraft;
  change: (patch: Partial<SetupDraft>) => void;
  error: FieldError | null;
}

function WechatStep({
  catalog,
  draft,
  change,
  error,
  workstreamId,
}: StepProps & { catalog: Catalog; workstreamId?: string }) {
  const { t } = useI18n();
  const taken = new Map(catalog.workstreams.filter((w) => w.id !== workstreamId).map((w) => [w.accountId, w.name]));
  const message = errorAt(error, "accountId");
  if (catalog.accounts.length === 0) return <p class="ws-hint">{t("setup.noAccounts")}</p>;
  return (
    <Field id="setup-account" label={t("setup.account")} hint={t("setup.accountHint")} error={message}>
      <select
        {...described("setup-account", t("setup.accountHint"), message)}
        value={draft.accountId}
        onChange={(e) => change({ accountId: (e.target as HTMLSelectElement).value })}
      >
        <option value="">{t("setup.chooseAccount")}</option>
        {catalog.accounts.map((a) => (
          <option key={a.id} value={a.id} disabled={taken.has(a.id)}>
            {taken.has(a.id) ? t("setup.accountTaken", { name: a.name, workstream: taken.get(a.id)! }) : `${a.name} (${a.appId})`}
          </option>
        ))}
      </select>
    </Field>
  );
}

function LanguageStep({ draft, change, error }: StepProps) {
  const { t } = useI18n();
  const message = errorAt(error, "language");
  const options = COMMON_LANGUAGES.includes(draft.language) ? COMMON_LANGUAGES : [draft.language, ...COMMON_LANGUAGES];
  return (
    <Field id="setup-language" label={t("setup.language")} hint={t("setup.languageHint")} error={message}>
      <select
        {...described("setup-language", t("setup.languageHint"), message)}
        value={draft.language}
        onChange={(e) => change({ language: (e.target as HTMLSelectElement).value })}
      >
        {options.map((code) => (
          <option key={code} value={code}>
            {languageName(code, t)}
          </option>
        ))}
      </select>
    </Field>
  );
}

function languageName(code: string, t: ReturnType<typeof useI18n>["t"]): string {
  const known: Record<string, MessageKey> = {
    "zh-CN": "setup.lang.zh-CN",
    "zh-TW": "setup.lang.zh-TW",
    "zh-HK": "setup.lang.zh-HK",
    en: "setup.lang.en",
    ja: "setup.lang.ja",
    ko: "setup.lang.ko",
  };
  return known[code] ? `${t(known[code]!)} (${code})` : code;
}

const MESSAGE_LABEL: Record<string, [MessageKey, MessageKey]> = {
  greeting: ["setup.msg.greeting", "setup.msg.greetingHint"],
  queued: ["setup.msg.queued", "setup.msg.queuedHint"],
  agentAssigned: ["setup.msg.agentAssigned", "setup.msg.agentAssignedHint"],
  outOfHours: ["setup.msg.outOfHours", "setup.msg.outOfHoursHint"],
  holiday: ["setup.msg.holiday", "setup.msg.holidayHint"],
  overflowEnded: ["setup.msg.overflowEnded", "setup.msg.overflowEndedHint"],
  conversationClosed: ["setup.msg.conversationClosed", "setup.msg.conversationClosedHint"],
  attachmentsDisabled: ["setup.msg.attachmentsDisabled", "setup.msg.attachmentsDisabledHint"],
  agentNotAssigned: ["setup.msg.agentNotAssigned", "setup.msg.agentNotAssignedHint"],
  transferAccepted: ["setup.msg.transferAccepted", "setup.msg.transferAcceptedHint"],
  nextInLine: ["setup.msg.nextInLine", "setup.msg.nextInLineHint"],
  positionInQueue: ["setup.msg.positionInQueue", "setup.msg.positionInQueueHint"],
  agentEndedConversation: ["setup.msg.agentEndedConversation", "setup.msg.agentEndedConversationHint"],
};
const PLACEHOLDER_MEANING: Record<string, MessageKey> = {
  "{Position}": "setup.placeholder.position",
  "{AgentName}": "setup.placeholder.agentName",
  "{QueueName}": "setup.placeholder.queueName",
};

function BehaviorsStep({ draft, change, error }: StepProps) {
  const { t } = useI18n();
  const languages = [draft.language, ...Object.keys(draft.automatedMessages).filter((l) => l !== draft.language)];
  const [language, setLanguage] = useState(draft.language);
  const [adding, setAdding] = useState("");
  const own = draft.automatedMessages[language] ?? {};
  const addLanguage = () => {
    if (LANGUAGE_TAG.test(adding) && !languages.includes(adding)) {
      change({ automatedMessages: { ...draft.automatedMessages, [adding]: {} } });
      setLanguage(adding);
      setAdding("");
    }
  };
  return (
    <div class="ws-behaviors">
      <p class="ws-hint">{t("setup.behaviorsIntro")}</p>
      <div class="ws-row">
        <Field id="setup-msg-language" label={t("setup.messagesIn")}>
          <select id="setup-msg-language" value={language} onChange={(e) => setLanguage((e.target as HTMLSelectElement).value)}>
            {languages.map((l) => (
              <option key={l} value={l}>
                {l === draft.language ? t("setup.workstreamLanguage", { language: l }) : l}
              </option>
            ))}
          </select>
        </Field>
        <Field id="setup-add-language" label={t("setup.addLanguage")}>
          <span class="ws-inline">
            <input id="setup-add-language" value={adding} placeholder="en" onInput={(e) => setAdding((e.target as HTMLInputElement).value.trim())} />
            <button type="button" class="ws-button" onClick={addLanguage} disabled={!LANGUAGE_TAG.test(adding)}>
              {t("setup.add")}
            </button>
          </span>
        </Field>
      </div>
      <fieldset class="ws-fieldset">
        <legend>{t("setup.automatedMessages")}</legend>
        {BEHAVIOR_MESSAGES.map(({ kind, placeholders }) => {
          const id = `setup-msg-${kind}`;
          const [label, hint] = MESSAGE_LABEL[kind]!;
          const message = errorUnder(error, `automatedMessages.${language}.${kind}`);
          return (
            <Field key={kind} id={id} label={t(label)} hint={t(hint)} error={message}>
              <textarea
                {...described(id, t(hint), message)}
                rows={2}
                value={own[kind] ?? ""}
                onInput={(e) =>
                  change({
                    automatedMessages: withMessage(draft.automatedMessages, language, kind, (e.target as HTMLTextAreaElement).value),
                  })
                }
              />
              {placeholders.length > 0 && (
                <p class="ws-placeholders">
                  {placeholders.map((p) => (
                    <span key={p}>
                      <code>{p}</code> {t(PLACEHOLDER_MEANING[p]!)}
                    </span>
                  ))}
                </p>
              )}
            </Field>
          );
        })}
        <Field
          id="setup-position-every"
          label={t("setup.positionUpdateEvery")}
          hint={t("setup.positionUpdateEveryHint")}
          error={errorUnder(error, "positionUpdateEvery")}
        >
          <input
            {...described("setup-position-every", t("setup.positionUpdateEveryHint"), errorUnder(error, "positionUpdateEvery"))}
            value={draft.positionUpdateEvery}
            placeholder="PT5M"
            onInput={(e) => change({ positionUpdateEvery: (e.target as HTMLInputElement).value.trim() })}
          />
        </Field>
      </fieldset>
      <SurveyFields draft={draft} change={change} error={error} language={language} />
    </div>
  );
}

function SurveyFields({ draft, change, error, language }: StepProps & { language: string }) {
  const { t } = useI18n();
  const survey = draft.survey;
  const kind = survey?.type ?? "none";
  const setKind = (value: string) => {
    if (value === "none") change({ survey: null });
    else if (value === "rating") change({ survey: { type: "rating", questions: {}, thanks: {} } });
    else change({ survey: { type: "link", url: "", texts: {} } });
  };
  const surveyError = errorUnder(error, "survey");
  return (
    <fieldset class="ws-fieldset">
      <legend>{t("setup.survey")}</legend>
      <Field id="setup-survey" label={t("setup.surveyKind")} hint={t("setup.surveyHint")} error={surveyError}>
        <select {...described("setup-survey", t("setup.surveyHint"), surveyError)} value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)}>
          <option value="none">{t("setup.surveyNone")}</option>
          <option value="rating">{t("setup.surveyRating")}</option>
          <option value="link">{t("setup.surveyLink")}</option>
        </select>
      </Field>
      {survey?.type === "rating" && (
        <>
          <Field id="setup-survey-question" label={t("setup.surveyQuestion", { language })} hint={t("setup.surveyQuestionHint")}>
            <textarea
              id="setup-survey-question"
              rows={2}
              value={survey.questions[language] ?? ""}
              onInput={(e) => change({ survey: { ...survey, questions: { ...survey.questions, [language]: (e.target as HTMLTextAreaElement).value } } })}
            />
          </Field>
          <Field id="setup-survey-thanks" label={t("setup.surveyThanks", { language })}>
            <textarea
              id="setup-survey-thanks"
              rows={2}
              value={survey.thanks?.[language] ?? ""}
              onInput={(e) => change({ survey: { ...survey, thanks: { ...(survey.thanks ?? {}), [language]: (e.target as HTMLTextAreaElement).value } } })}
            />
          </Field>
        </>
      )}
      {survey?.type === "link" && (
        <>
          <Field id="setup-survey-url" label={t("setup.surveyUrl")} error={errorAt(error, "survey.url")}>
            <input
              {...described("setup-survey-url", undefined, errorAt(error, "survey.url"))}
              type="url"
              value={survey.url}
              onInput={(e) => change({ survey: { ...survey, url: (e.target as HTMLInputElement).value } })}
            />
            <p class="ws-placeholders">
              <span>
                <code>{"{ConversationId}"}</code> {t("setup.placeholder.conversationId")}
              </span>
            </p>
          </Field>
          <Field id="setup-survey-text" label={t("setup.surveyText", { language })}>
            <textarea
              id="setup-survey-text"
              rows={2}
              value={survey.texts[language] ?? ""}
              onInput={(e) => change({ survey: { ...survey, texts: { ...survey.texts, [language]: (e.target as HTMLTextAreaElement).value } } })}
            />
            <p class="ws-placeholders">
              <span>
                <code>{"{Url}"}</code> {t("setup.placeholder.url")}
              </span>
            </p>
          </Field>
        </>
      )}
    </fieldset>
  );
}

function FeaturesStep({ draft, change, error }: StepProps) {
  const { t } = useI18n();
  const files = draft.fileAttachments;
  const message = errorUnder(error, "fileAttachments");
  return (
    <fieldset class="ws-fieldset">
      <legend>{t("setup.features")}</legend>
      <label class="ws-check">
        <input
          type="checkbox"
          checked={files.customersCanSend}
          onChange={(e) => change({ fileAttachments: { ...files, customersCanSend: (e.target as HTMLInputElement).checked } })}
        />
        {t("setup.customersCanSend")}
      </label>
      <p class="ws-hint ws-check-hint">{t("setup.customersCanSendHint")}</p>
      <label class="ws-check">
        <input
          type="checkbox"
          checked={files.agentsCanSend}
          onChange={(e) => change({ fileAttachments: { ...files, agentsCanSend: (e.target as HTMLInputElement).checked } })}
        />
        {t("setup.agentsCanSend")}
      </label>
      <p class="ws-hint ws-check-hint">{t("setup.agentsCanSendHint")}</p>
      {message && <p role="alert" class="ws-error">{message}</p>}
    </fieldset>
  );
}

function SummaryStep({ catalog, draft }: { catalog: Catalog; draft: SetupDraft }) {
  const { t } = useI18n();
  const account = catalog.accounts.find((a) => a.id === draft.accountId);
  const queue = catalog.queues.find((q) => q.id === draft.fallbackQueueId);
  const yes = (b: boolean) => t(b ? "common.yes" : "common.no");
  const messages = Object.entries(draft.automatedMessages)
    .map(([l, m]) => `${l}: ${Object.keys(m).length}`)
    .join(", ");
  return (
    <dl class="ws-summary">
      <dt>{t("workstreams.name")}</dt>
      <dd>{draft.name}</dd>
      <dt>{t("setup.account")}</dt>
      <dd>{account ? `${account.name} (${account.appId})` : draft.accountId}</dd>
      <dt>{t("setup.language")}</dt>
      <dd>{draft.language}</dd>
      <dt>{t("workstreams.fallbackQueue")}</dt>
      <dd>{queue?.name ?? draft.fallbackQueueId}</dd>
      <dt>{t("setup.automatedMessages")}</dt>
      <dd>{messages || t("setup.none")}</dd>
      <dt>{t("setup.survey")}</dt>
      <dd>{draft.survey ? t(draft.survey.type === "rating" ? "setup.surveyRating" : "setup.surveyLink") : t("setup.surveyNone")}</dd>
      <dt>{t("setup.customersCanSend")}</dt>
      <dd>{yes(draft.fileAttachments.customersCanSend)}</dd>
      <dt>{t("setup.agentsCanSend")}</dt>
      <dd>{yes(draft.fileAttachments.agentsCanSend)}</dd>
    </dl>
  );
}
