import { useId, useState } from "preact/hooks";

import type { Api } from "../api/client";
import { useI18n } from "../i18n";
import { errorMessage } from "./attachments";
import type { MessageView } from "./lines";
import {
  characters,
  fieldProblem,
  previewLines,
  readyToSend,
  requestFields,
  type TemplateView,
} from "./templates";

/** Outside the reply window: pick one of the account's approved templates, fill its fields,
 * see the message as it will read, and send it (it needs no window, see README "Template
 * messages"). */
export function TemplateComposer({
  api,
  conversationId,
  onQueued,
}: {
  api: Api;
  conversationId: string;
  onQueued: (message: MessageView) => void;
}) {
  const { t, language } = useI18n();
  const count = new Intl.NumberFormat(language);
  const [templates, setTemplates] = useState<TemplateView[] | null | "closed">("closed");
  const [chosen, setChosen] = useState<string>("");
  const [values, setValues] = useState<Record<string, string>>({});
  const [touched, setTouched] = useState<Record<string, boolean>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const id = useId();
  const open = templates !== "closed";

  const toggle = async () => {
    if (open) {
      setTemplates("closed");
      return;
    }
    setError(null);
    setSent(false);
    setTemplates(null);
    const { data, error: failure } = await api.GET("/api/agent/conversations/{id}/templates", {
      params: { path: { id: conversationId } },
    });
    if (!data) {
      setTemplates("closed");
      setError(t("template.loadFailed", { message: errorMessage(failure) }));
      return;
    }
    setTemplates(data.templates);
    const first = data.templates[0];
    if (first && !data.templates.some((x) => x.templateId === chosen)) setChosen(first.templateId);
  };

  const list = Array.isArray(templates) ? templates : [];
  const template = list.find((x) => x.templateId === chosen) ?? null;

  const send = async () => {
    if (!template || busy || !readyToSend(template, values)) return;
    setBusy(true);
    setError(null);
    const { data, error: failure } = await api.POST("/api/agent/conversations/{id}/templates", {
      params: { path: { id: conversationId } },
      body: { templateId: template.templateId, fields: requestFields(template, values) },
    });
    setBusy(false);
    if (!data) {
      setError(t("template.sendFailed", { message: errorMessage(failure) }));
      return;
    }
    onQueued(data);
    setValues({});
    setTouched({});
    setSent(true);
    setTemplates("closed");
  };

  return (
    <section class="cv-template" aria-labelledby={`${id}-title`}>
      <div class="cv-template-head">
        <p id={`${id}-title`} class="cv-template-offer">
          {t("template.offer")}
        </p>
        <button
          type="button"
          aria-expanded={open}
          aria-controls={`${id}-form`}
          onClick={() => void toggle()}
        >
          {t(open ? "template.close" : "template.open")}
        </button>
      </div>
      {sent && (
        <p role="status" class="cv-note">
          {t("template.queued")}
        </p>
      )}
      {open && (
        <div id={`${id}-form`} class="cv-template-form">
          {templates === null ? (
            <p class="cv-note">{t("template.loading")}</p>
          ) : list.length === 0 ? (
            <p class="cv-note">{t("template.none")}</p>
          ) : (
            <>
              <div class="cv-template-field">
                <label for={`${id}-choice`}>{t("template.choose")}</label>
                <select
                  id={`${id}-choice`}
                  value={chosen}
                  onChange={(event) => {
                    setChosen((event.target as HTMLSelectElement).value);
                    setTouched({});
                  }}
                >
                  {list.map((x) => (
                    <option key={x.templateId} value={x.templateId}>
                      {x.title}
                    </option>
                  ))}
                </select>
              </div>
              {template && (
                <>
                  <p class="cv-hint">
                    {t("template.quota", {
                      sent: count.format(template.sentToday ?? 0),
                      quota: count.format(template.dailyQuota),
                    })}
                  </p>
                  {template.fields.map((field) => {
                    const value = values[field.key] ?? "";
                    const problem = fieldProblem(field, value);
                    const shown = touched[field.key] ? problem : null;
                    const inputId = `${id}-${field.key}`;
                    return (
                      <div key={field.key} class="cv-template-field">
                        <label for={inputId}>{field.label}</label>
                        <input
                          id={inputId}
                          type="text"
                          value={value}
                          aria-invalid={shown ? true : undefined}
                          aria-describedby={`${inputId}-count`}
                          onInput={(event) =>
                            setValues({
                              ...values,
                              [field.key]: (event.target as HTMLInputElement).value,
                            })
                          }
                          onBlur={() => setTouched({ ...touched, [field.key]: true })}
                        />
                        <span id={`${inputId}-count`} class="cv-hint">
                          {shown?.kind === "empty"
                            ? t("template.required")
                            : problem?.kind === "tooLong"
                              ? t("template.tooLong", { length: problem.length, max: problem.max })
                              : t("template.count", {
                                  length: characters(value.trim()),
                                  max: field.maxLength ?? 20,
                                })}
                        </span>
                      </div>
                    );
                  })}
                  <div class="cv-template-preview" aria-label={t("template.preview")}>
                    <p class="cv-label">{t("template.preview")}</p>
                    {previewLines(template, values).map((text, i) => (
                      <p key={i} class={i === 0 ? "cv-card-title" : "cv-text"}>
                        {text}
                      </p>
                    ))}
                  </div>
                  <div class="cv-reply-bar">
                    <span class="cv-hint">{t("template.noWindow")}</span>
                    <button
                      type="button"
                      class="cv-send"
                      disabled={busy || !readyToSend(template, values)}
                      onClick={() => void send()}
                    >
                      {busy ? t("reply.sending") : t("template.send")}
                    </button>
                  </div>
                </>
              )}
            </>
          )}
        </div>
      )}
      {error && (
        <p role="alert" class="cv-error">
          {error}
        </p>
      )}
    </section>
  );
}
