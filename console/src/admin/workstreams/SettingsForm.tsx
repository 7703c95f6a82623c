import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n/messages";
import {
  apiError,
  durationMinutes,
  durationSeconds,
  errorAt,
  errorUnder,
  minutesDuration,
  secondsDuration,
  splitList,
  withMessage,
  type FieldError,
  type Messages,
  type Workstream,
} from "./model";
import { useCapacityProfiles } from "../capacity/profiles";
import { formatRequired, parseRequired } from "../skills";
import { described, Field, useCatalog, WorkstreamTabs } from "./WorkstreamsPage";
import { FaqMaterials } from "./FaqMaterials";

type Presence = components["schemas"]["Presence"];
type QuickReply = components["schemas"]["QuickReply"];
const PRESENCES: Presence[] = ["available", "busy", "doNotDisturb", "away", "offline"];

/** The form's own state: the workstream's settings as the controls hold them. */
/** The states a workstream's autoClose gives an idle limit to. */
const AUTO_CLOSE_STATES = ["open", "active", "wrapUp", "waiting"] as const;
type AutoCloseState = (typeof AUTO_CLOSE_STATES)[number];

interface Form {
  name: string;
  timeZone: string;
  distributionMode: "push" | "pick";
  capacityUnits: string;
  allowedPresences: Presence[];
  fallbackQueueId: string;
  autoCloseMinutes: string;
  autoClose: Record<AutoCloseState, string>;
  keepSameAgent: boolean;
  skillMatching: "exact" | "closest";
  requiredSkills: string;
  capacityProfileId: string;
  botType: "none" | "faq" | "webhook";
  webhookUrl: string;
  webhookSecret: string;
  webhookTimeout: string;
  hasSecret: boolean;
  faqPhrases: string;
  faqNoMatch: "escalate" | "reply";
  faqEntries: string;
  quickReplies: QuickReply[];
  privacyNotice: string;
  retentionDays: string;
  assignmentMode: "assign" | "offer";
  offerTimeoutSeconds: string;
  maxDeclines: string;
}

function formOf(ws: Workstream): Form {
  const bot = ws.bot;
  const minutes = durationMinutes(ws.autoCloseAfterInactivity);
  return {
    name: ws.name,
    timeZone: ws.timeZone,
    distributionMode: ws.distributionMode,
    capacityUnits: String(ws.capacityUnits),
    allowedPresences: ws.allowedPresences,
    fallbackQueueId: ws.fallbackQueueId,
    autoCloseMinutes: minutes === null ? "" : String(minutes),
    autoClose: Object.fromEntries(
      AUTO_CLOSE_STATES.map((state) => [state, (ws.autoClose as Record<string, string | null | undefined> | undefined)?.[state] ?? ""]),
    ) as Record<AutoCloseState, string>,
    keepSameAgent: ws.keepSameAgent,
    skillMatching: ws.skillMatching,
    requiredSkills: formatRequired(ws.requiredSkills),
    capacityProfileId: ws.capacityProfileId ?? "",
    botType: bot?.type ?? "none",
    webhookUrl: bot?.type === "webhook" ? bot.url : "",
    webhookSecret: "",
    webhookTimeout: bot?.type === "webhook" ? String(bot.timeoutSeconds) : "5",
    hasSecret: bot?.type === "webhook" ? bot.hasSecret : false,
    faqPhrases: bot?.type === "faq" ? bot.escalationPhrases.join(", ") : "人工, 转人工, agent, human",
    faqNoMatch: bot?.type === "faq" ? bot.noMatch : "escalate",
    faqEntries: JSON.stringify(bot?.type === "faq" ? bot.entries : [], null, 2),
    quickReplies: ws.quickReplies[ws.language] ?? [],
    privacyNotice: (ws.automatedMessages as Messages)[ws.language]?.privacyNotice ?? "",
    retentionDays: ws.retentionDays == null ? "" : String(ws.retentionDays),
    assignmentMode: ws.assignmentMode ?? "assign",
    offerTimeoutSeconds: String(durationSeconds(ws.offerTimeout) ?? 30),
    maxDeclines: String(ws.maxDeclines ?? 1),
  };
}

/** The PATCH body for the form, or an error naming the field that cannot be sent as it is. */
function patchOf(
  form: Form,
  ws: Workstream,
  t: (k: MessageKey) => string,
): { body: Record<string, unknown> } | { error: FieldError } {
  let bot: unknown = null;
  if (form.botType === "webhook") {
    bot = {
      type: "webhook",
      url: form.webhookUrl,
      timeoutSeconds: Number(form.webhookTimeout),
      ...(form.webhookSecret ? { secret: form.webhookSecret } : {}),
    };
  } else if (form.botType === "faq") {
    let entries: unknown;
    try {
      entries = JSON.parse(form.faqEntries || "[]");
    } catch {
      return { error: { field: "bot.entries", message: t("workstreams.settings.faqEntriesInvalid") } };
    }
    bot = { type: "faq", escalationPhrases: splitList(form.faqPhrases), noMatch: form.faqNoMatch, entries };
  }
  const quickReplies = { ...ws.quickReplies, [ws.language]: form.quickReplies };
  if (form.quickReplies.length === 0) delete quickReplies[ws.language];
  const body = {
    name: form.name,
    timeZone: form.timeZone,
    distributionMode: form.distributionMode,
    capacityUnits: Number(form.capacityUnits),
    allowedPresences: form.allowedPresences,
    fallbackQueueId: form.fallbackQueueId,
    autoCloseAfterInactivity: form.autoCloseMinutes.trim() ? minutesDuration(Number(form.autoCloseMinutes)) : null,
    autoClose: Object.fromEntries(AUTO_CLOSE_STATES.map((state) => [state, form.autoClose[state].trim() || null])),
    keepSameAgent: form.keepSameAgent,
    skillMatching: form.skillMatching,
    requiredSkills: parseRequired(form.requiredSkills),
    capacityProfileId: form.capacityProfileId || null,
    bot,
    quickReplies,
    automatedMessages: withMessage(ws.automatedMessages as Messages, ws.language, "privacyNotice", form.privacyNotice),
    retentionDays: form.retentionDays.trim() ? Number(form.retentionDays) : null,
    assignmentMode: form.assignmentMode,
    offerTimeout: secondsDuration(Number(form.offerTimeoutSeconds)),
    maxDeclines: Number(form.maxDeclines),
  };
  return { body };
}

export function SettingsForm({ api, workstreamId }: { api: Api; workstreamId: string }) {
  const { t } = useI18n();
  const [revision, setRevision] = useState(0);
  const { catalog, error: loadError } = useCatalog(api, revision);
  const profiles = useCapacityProfiles(api);
  const ws = catalog?.workstreams.find((w) => w.id === workstreamId);
  const [form, setForm] = useState<Form | null>(null);
  const [error, setError] = useState<FieldError | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    if (ws) setForm(formOf(ws));
  }, [ws]);
  const set = (patch: Partial<Form>) => {
    setSaved(false);
    setForm((f) => (f ? { ...f, ...patch } : f));
  };

  const save = async (event: Event) => {
    event.preventDefault();
    if (!form || !ws) return;
    const built = patchOf(form, ws, t);
    if ("error" in built) {
      setError(built.error);
      return;
    }
    setSaving(true);
    const { data, error } = await api.PATCH("/api/admin/workstreams/{id}", {
      params: { path: { id: ws.id } },
      body: built.body as never,
    });
    setSaving(false);
    if (error || !data) {
      setError(apiError(error, t("workstreams.settings.saveFailed")));
      return;
    }
    setError(null);
    setSaved(true);
    setRevision((r) => r + 1);
  };

  const at = (field: string) => errorAt(error, field);
  const under = (field: string) => errorUnder(error, field);
  const placed = new Set([
    "name", "timeZone", "distributionMode", "capacityUnits", "allowedPresences", "fallbackQueueId",
    "autoCloseAfterInactivity", "autoClose", "keepSameAgent", "retentionDays", "skillMatching",
    "requiredSkills", "capacityProfileId", "assignmentMode", "offerTimeout", "maxDeclines",
  ]);
  const elsewhere =
    error && (!error.field || (![...placed].some((p) => error.field === p || error.field!.startsWith(p + ".")) &&
      !/^(bot|quickReplies|automatedMessages)/.test(error.field)));

  return (
    <main class="page ws-page">
      <WorkstreamTabs id={workstreamId} current="settings" />
      <h1>{ws?.name ?? t("nav.workstreams")}</h1>
      {loadError && <p role="alert" class="error">{loadError.message}</p>}
      {!catalog && !loadError && <p role="status">{t("common.loading")}</p>}
      {catalog && !ws && <p role="alert" class="error">{t("workstreams.notFound")}</p>}
      {catalog && ws && form && (
        <form class="ws-settings" onSubmit={save} noValidate>
          <section class="ws-card">
            <h2>{t("workstreams.settings.general")}</h2>
            <Field id="st-name" label={t("workstreams.name")} error={at("name")}>
              <input {...described("st-name", undefined, at("name"))} value={form.name} onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
            </Field>
            <Field id="st-tz" label={t("workstreams.settings.timeZone")} hint={t("workstreams.settings.timeZoneHint")} error={at("timeZone")}>
              <input {...described("st-tz", t("workstreams.settings.timeZoneHint"), at("timeZone"))} value={form.timeZone} onInput={(e) => set({ timeZone: (e.target as HTMLInputElement).value })} />
            </Field>
          </section>

          <section class="ws-card">
            <h2>{t("workstreams.settings.distribution")}</h2>
            <fieldset class="ws-fieldset" aria-describedby={at("distributionMode") ? "st-mode-error" : undefined}>
              <legend>{t("workstreams.settings.mode")}</legend>
              {(["push", "pick"] as const).map((mode) => (
                <label class="ws-check" key={mode}>
                  <input type="radio" name="st-mode" value={mode} checked={form.distributionMode === mode} onChange={() => set({ distributionMode: mode })} />
                  {t(mode === "push" ? "workstreams.settings.modePush" : "workstreams.settings.modePick")}
                  <span class="ws-hint"> — {t(mode === "push" ? "workstreams.settings.modePushHint" : "workstreams.settings.modePickHint")}</span>
                </label>
              ))}
            </fieldset>
            <Field id="st-assignment" label={t("workstreams.settings.assignmentMode")} hint={t(form.assignmentMode === "offer" ? "workstreams.settings.assignmentOfferHint" : "workstreams.settings.assignmentAssignHint")} error={at("assignmentMode")}>
              <select {...described("st-assignment", "x", at("assignmentMode"))} value={form.assignmentMode} onChange={(e) => set({ assignmentMode: (e.target as HTMLSelectElement).value as Form["assignmentMode"] })}>
                <option value="assign">{t("workstreams.settings.assignmentAssign")}</option>
                <option value="offer">{t("workstreams.settings.assignmentOffer")}</option>
              </select>
            </Field>
            {form.assignmentMode === "offer" && (
              <>
                <Field id="st-offer-timeout" label={t("workstreams.settings.offerTimeout")} hint={t("workstreams.settings.offerTimeoutHint")} error={at("offerTimeout")}>
                  <input {...described("st-offer-timeout", t("workstreams.settings.offerTimeoutHint"), at("offerTimeout"))} type="number" min={10} max={300} value={form.offerTimeoutSeconds} onInput={(e) => set({ offerTimeoutSeconds: (e.target as HTMLInputElement).value })} />
                </Field>
                <Field id="st-max-declines" label={t("workstreams.settings.maxDeclines")} hint={t("workstreams.settings.maxDeclinesHint")} error={at("maxDeclines")}>
                  <input {...described("st-max-declines", t("workstreams.settings.maxDeclinesHint"), at("maxDeclines"))} type="number" min={1} max={5} value={form.maxDeclines} onInput={(e) => set({ maxDeclines: (e.target as HTMLInputElement).value })} />
                </Field>
              </>
            )}
            <Field id="st-units" label={t("workstreams.settings.capacityUnits")} hint={t("workstreams.settings.capacityUnitsHint")} error={at("capacityUnits")}>
              <input {...described("st-units", t("workstreams.settings.capacityUnitsHint"), at("capacityUnits"))} type="number" min={1} max={100} value={form.capacityUnits} onInput={(e) => set({ capacityUnits: (e.target as HTMLInputElement).value })} />
            </Field>
            <fieldset class="ws-fieldset">
              <legend>{t("workstreams.settings.allowedPresences")}</legend>
              <p class="ws-hint">{t("workstreams.settings.allowedPresencesHint")}</p>
              <div class="ws-checks">
                {PRESENCES.map((p) => (
                  <label class="ws-check" key={p}>
                    <input
                      type="checkbox"
                      checked={form.allowedPresences.includes(p)}
                      onChange={(e) =>
                        set({
                          allowedPresences: (e.target as HTMLInputElement).checked
                            ? PRESENCES.filter((x) => x === p || form.allowedPresences.includes(x))
                            : form.allowedPresences.filter((x) => x !== p),
                        })
                      }
                    />
                    {t(`presence.${p}` as MessageKey)}
                  </label>
                ))}
              </div>
              {under("allowedPresences") && <p role="alert" class="ws-error">{under("allowedPresences")}</p>}
            </fieldset>
            <Field id="st-fallback" label={t("workstreams.fallbackQueue")} hint={t("workstreams.fallbackHint")} error={at("fallbackQueueId")}>
              <select {...described("st-fallback", t("workstreams.fallbackHint"), at("fallbackQueueId"))} value={form.fallbackQueueId} onChange={(e) => set({ fallbackQueueId: (e.target as HTMLSelectElement).value })}>
                {catalog.queues.map((q) => (
                  <option key={q.id} value={q.id}>{q.name}</option>
                ))}
              </select>
            </Field>
            <Field id="st-autoclose" label={t("workstreams.settings.autoClose")} hint={t("workstreams.settings.autoCloseHint")} error={at("autoCloseAfterInactivity")}>
              <input {...described("st-autoclose", t("workstreams.settings.autoCloseHint"), at("autoCloseAfterInactivity"))} type="number" min={1} value={form.autoCloseMinutes} onInput={(e) => set({ autoCloseMinutes: (e.target as HTMLInputElement).value })} />
            </Field>
            <fieldset class="ws-fieldset">
              <legend>{t("workstreams.settings.autoClosePerState")}</legend>
              <p class="ws-hint">{t("workstreams.settings.autoClosePerStateHint")}</p>
              {AUTO_CLOSE_STATES.map((state) => (
                <Field key={state} id={`st-autoclose-${state}`} label={t(`workstreams.settings.autoClose.${state}`)} error={at(`autoClose.${state}`)}>
                  <input {...described(`st-autoclose-${state}`, undefined, at(`autoClose.${state}`))} placeholder="P30D" value={form.autoClose[state]} onInput={(e) => set({ autoClose: { ...form.autoClose, [state]: (e.target as HTMLInputElement).value } })} />
                </Field>
              ))}
            </fieldset>
            <label class="ws-check">
              <input type="checkbox" checked={form.keepSameAgent} onChange={(e) => set({ keepSameAgent: (e.target as HTMLInputElement).checked })} />
              {t("workstreams.settings.keepSameAgent")}
            </label>
            <p class="ws-hint ws-check-hint">{t("workstreams.settings.keepSameAgentHint")}</p>
          </section>

          <section class="ws-card">
            <h2>{t("workstreams.settings.matching")}</h2>
            <Field id="st-matching" label={t("workstreams.settings.skillMatching")} hint={t(form.skillMatching === "exact" ? "workstreams.settings.skillMatchingExactHint" : "workstreams.settings.skillMatchingClosestHint")} error={at("skillMatching")}>
              <select {...described("st-matching", "x", at("skillMatching"))} value={form.skillMatching} onChange={(e) => set({ skillMatching: (e.target as HTMLSelectElement).value as Form["skillMatching"] })}>
                <option value="exact">{t("workstreams.settings.skillMatchingExact")}</option>
                <option value="closest">{t("workstreams.settings.skillMatchingClosest")}</option>
              </select>
            </Field>
            <Field id="st-required" label={t("workstreams.settings.requiredSkills")} hint={t("workstreams.settings.requiredSkillsHint")} error={under("requiredSkills")}>
              <input {...described("st-required", t("workstreams.settings.requiredSkillsHint"), under("requiredSkills"))} value={form.requiredSkills} onChange={(e) => set({ requiredSkills: (e.target as HTMLInputElement).value })} />
            </Field>
            <Field id="st-profile" label={t("workstreams.settings.capacityProfile")} hint={t("workstreams.settings.capacityProfileHint")} error={at("capacityProfileId")}>
              <select {...described("st-profile", t("workstreams.settings.capacityProfileHint"), at("capacityProfileId"))} value={form.capacityProfileId} onChange={(e) => set({ capacityProfileId: (e.target as HTMLSelectElement).value })}>
                <option value="">{t("workstreams.settings.capacityProfileNone")}</option>
                {form.capacityProfileId && profiles.state === "ready" && !profiles.value.some((p) => p.id === form.capacityProfileId) && (
                  <option value={form.capacityProfileId}>{form.capacityProfileId}</option>
                )}
                {(profiles.state === "ready" ? profiles.value : []).map((p) => (
                  <option key={p.id} value={p.id}>{p.name}</option>
                ))}
              </select>
            </Field>
          </section>

          <section class="ws-card">
            <h2>{t("workstreams.settings.bot")}</h2>
            <Field id="st-bot" label={t("workstreams.settings.botKind")} hint={t("workstreams.settings.botHint")} error={at("bot")}>
              <select {...described("st-bot", t("workstreams.settings.botHint"), at("bot"))} value={form.botType} onChange={(e) => set({ botType: (e.target as HTMLSelectElement).value as Form["botType"] })}>
                <option value="none">{t("workstreams.settings.botNone")}</option>
                <option value="faq">{t("workstreams.settings.botFaq")}</option>
                <option value="webhook">{t("workstreams.settings.botWebhook")}</option>
              </select>
            </Field>
            {form.botType === "webhook" && (
              <>
                <Field id="st-bot-url" label={t("workstreams.settings.botUrl")} hint={t("workstreams.settings.botUrlHint")} error={at("bot.url")}>
                  <input {...described("st-bot-url", t("workstreams.settings.botUrlHint"), at("bot.url"))} type="url" value={form.webhookUrl} onInput={(e) => set({ webhookUrl: (e.target as HTMLInputElement).value })} />
                </Field>
                <Field id="st-bot-secret" label={t("workstreams.settings.botSecret")} hint={t(form.hasSecret ? "workstreams.settings.botSecretStored" : "workstreams.settings.botSecretHint")} error={at("bot.secret")}>
                  <input {...described("st-bot-secret", "x", at("bot.secret"))} type="password" autoComplete="new-password" value={form.webhookSecret} onInput={(e) => set({ webhookSecret: (e.target as HTMLInputElement).value })} />
                </Field>
                <Field id="st-bot-timeout" label={t("workstreams.settings.botTimeout")} error={at("bot.timeoutSeconds")}>
                  <input {...described("st-bot-timeout", undefined, at("bot.timeoutSeconds"))} type="number" min={0.1} max={10} step={0.5} value={form.webhookTimeout} onInput={(e) => set({ webhookTimeout: (e.target as HTMLInputElement).value })} />
                </Field>
              </>
            )}
            {form.botType === "faq" && (
              <>
                <Field id="st-faq-phrases" label={t("workstreams.settings.faqPhrases")} hint={t("workstreams.settings.faqPhrasesHint")} error={under("bot.escalationPhrases")}>
                  <input {...described("st-faq-phrases", t("workstreams.settings.faqPhrasesHint"), under("bot.escalationPhrases"))} value={form.faqPhrases} onInput={(e) => set({ faqPhrases: (e.target as HTMLInputElement).value })} />
                </Field>
                <Field id="st-faq-nomatch" label={t("workstreams.settings.faqNoMatch")}>
                  <select id="st-faq-nomatch" value={form.faqNoMatch} onChange={(e) => set({ faqNoMatch: (e.target as HTMLSelectElement).value as Form["faqNoMatch"] })}>
                    <option value="escalate">{t("workstreams.settings.faqEscalate")}</option>
                    <option value="reply">{t("workstreams.settings.faqReply")}</option>
                  </select>
                </Field>
                <Field id="st-faq-entries" label={t("workstreams.settings.faqEntries")} hint={t("workstreams.settings.faqEntriesHint")} error={under("bot.entries") ?? under("bot.noMatchAnswers")}>
                  <textarea {...described("st-faq-entries", t("workstreams.settings.faqEntriesHint"), under("bot.entries"))} class="ws-code" rows={6} value={form.faqEntries} onInput={(e) => set({ faqEntries: (e.target as HTMLTextAreaElement).value })} />
                </Field>
                <FaqMaterials api={api} accountId={ws.accountId} language={ws.language} entries={form.faqEntries} onEntries={(faqEntries) => set({ faqEntries })} />
              </>
            )}
            {under("bot") && !["bot", "bot.url", "bot.secret", "bot.timeoutSeconds"].includes(error!.field!) && !error!.field!.startsWith("bot.entries") && !error!.field!.startsWith("bot.escalationPhrases") && (
              <p role="alert" class="ws-error">{error!.message}</p>
            )}
          </section>

          <section class="ws-card">
            <h2>{t("workstreams.settings.quickReplies")}</h2>
            <p class="ws-hint">
              {t("workstreams.settings.quickRepliesHint", { language: ws.language })} <code>{"{AgentName}"}</code> <code>{"{context.<name>}"}</code>
            </p>
            {form.quickReplies.map((reply, i) => (
              <div class="ws-row ws-quick" key={i}>
                <Field id={`st-qr-name-${i}`} label={t("workstreams.settings.quickReplyName")} error={at(`quickReplies.${ws.language}.${i}.name`)}>
                  <input id={`st-qr-name-${i}`} value={reply.name} onInput={(e) => set({ quickReplies: form.quickReplies.map((r, j) => (j === i ? { ...r, name: (e.target as HTMLInputElement).value } : r)) })} />
                </Field>
                <Field id={`st-qr-text-${i}`} label={t("workstreams.settings.quickReplyText")} error={at(`quickReplies.${ws.language}.${i}.text`)}>
                  <textarea id={`st-qr-text-${i}`} rows={2} value={reply.text} onInput={(e) => set({ quickReplies: form.quickReplies.map((r, j) => (j === i ? { ...r, text: (e.target as HTMLTextAreaElement).value } : r)) })} />
                </Field>
                <button type="button" class="ws-button ws-quiet" aria-label={t("workstreams.settings.removeQuickReply", { name: reply.name || String(i + 1) })} onClick={() => set({ quickReplies: form.quickReplies.filter((_, j) => j !== i) })}>
                  {t("workstreams.settings.remove")}
                </button>
              </div>
            ))}
            {under("quickReplies") && !form.quickReplies.some((_, i) => error!.field!.startsWith(`quickReplies.${ws.language}.${i}.`)) && <p role="alert" class="ws-error">{error!.message}</p>}
            <button type="button" class="ws-button" onClick={() => set({ quickReplies: [...form.quickReplies, { name: "", text: "" }] })}>
              {t("workstreams.settings.addQuickReply")}
            </button>
          </section>

          <section class="ws-card">
            <h2>{t("workstreams.settings.privacy")}</h2>
            <Field id="st-privacy" label={t("workstreams.settings.privacyNotice")} hint={t("workstreams.settings.privacyNoticeHint")} error={under("automatedMessages")}>
              <textarea {...described("st-privacy", t("workstreams.settings.privacyNoticeHint"), under("automatedMessages"))} rows={3} value={form.privacyNotice} onInput={(e) => set({ privacyNotice: (e.target as HTMLTextAreaElement).value })} />
            </Field>
            <Field id="st-retention" label={t("workstreams.settings.retention")} hint={t("workstreams.settings.retentionHint")} error={at("retentionDays")}>
              <input {...described("st-retention", t("workstreams.settings.retentionHint"), at("retentionDays"))} type="number" min={1} max={3650} value={form.retentionDays} onInput={(e) => set({ retentionDays: (e.target as HTMLInputElement).value })} />
            </Field>
          </section>

          <div class="ws-actions ws-sticky">
            {elsewhere && <p role="alert" class="ws-error">{error!.message}</p>}
            {saved && <p role="status" class="notice">{t("workstreams.settings.saved")}</p>}
            <button type="submit" class="ws-button ws-primary" disabled={saving}>
              {saving ? t("common.saving") : t("workstreams.settings.save")}
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
