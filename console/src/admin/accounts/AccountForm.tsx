import { useEffect, useId, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n/messages";
import { followLink, href, navigate } from "../../router";
import {
  type AccountFields,
  EMPTY,
  type FieldName,
  formField,
  generateEncodingAesKey,
  generateToken,
  type Mode,
  miniProgramIds,
  patchOf,
  validate,
} from "./accountForm";
import type { AccountView } from "./AccountsPage";

const SECRETS = ["appSecret", "token", "encodingAesKey"] as const;
type Secret = (typeof SECRETS)[number];
const MODES: Mode[] = ["safe", "compatible", "plaintext"];

interface Problem {
  key?: MessageKey;
  text?: string;
}

/** New WeChat account (no ``accountId``), its first step; or Edit, where secrets stay as they
 * are unless replaced. */
export function AccountForm({ api, accountId }: { api: Api; accountId?: string }) {
  const { t } = useI18n();
  const editing = accountId !== undefined;
  const [before, setBefore] = useState<AccountView | null>(null);
  const [fields, setFields] = useState<AccountFields>(EMPTY);
  const [replaced, setReplaced] = useState<Set<FieldName>>(new Set());
  const [errors, setErrors] = useState<Partial<Record<FieldName, Problem>>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [loadFailed, setLoadFailed] = useState(false);
  const [miniPrograms, setMiniPrograms] = useState("");
  const [miniProgramsWrong, setMiniProgramsWrong] = useState<string | null>(null);

  useEffect(() => {
    if (!accountId) return;
    api.GET("/api/admin/accounts/{id}", { params: { path: { id: accountId } } }).then(
      ({ data }) => {
        if (!data) return setLoadFailed(true);
        setBefore(data);
        setFields({
          ...EMPTY,
          name: data.name,
          originalId: data.originalId,
          appId: data.appId,
          messageMode: data.messageMode,
          sandbox: data.sandbox,
        });
        setMiniPrograms((data.miniProgramAppIds ?? []).join(", "));
      },
      () => setLoadFailed(true),
    );
  }, [api, accountId]);

  const set = <K extends keyof AccountFields>(field: K, value: AccountFields[K]) => {
    setFields((current) => {
      const next = { ...current, [field]: value };
      if (field === "sandbox" && value === true) next.messageMode = "plaintext";
      return next;
    });
    setErrors((current) => ({ ...current, [field]: undefined }));
  };

  const checked = (): ReadonlySet<FieldName> | undefined => {
    if (!editing) return undefined;
    return new Set<FieldName>(["name", "originalId", "appId", ...replaced]);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    setGeneral(null);
    const wrong = validate(fields, checked());
    if (Object.keys(wrong).length > 0) {
      setErrors(Object.fromEntries(Object.entries(wrong).map(([f, key]) => [f, { key }])));
      const first = Object.keys(wrong)[0];
      document.getElementById(`${formId}-${first}`)?.focus();
      return;
    }
    const linked = miniProgramIds(miniPrograms);
    if (linked.wrong.length > 0) {
      setMiniProgramsWrong(linked.wrong.join(", "));
      document.getElementById(`${formId}-miniPrograms`)?.focus();
      return;
    }
    const miniProgramAppIds = linked.ids;
    const linkedChanged =
      !editing || miniProgramAppIds.join() !== (before?.miniProgramAppIds ?? []).join();
    setSaving(true);
    try {
      const answer = editing
        ? await api.PATCH("/api/admin/accounts/{id}", {
            params: { path: { id: accountId } },
            body: {
              ...patchOf(fields, before!, replaced),
              ...(linkedChanged ? { miniProgramAppIds } : {}),
            },
          })
        : await api.POST("/api/admin/accounts", { body: { ...fields, miniProgramAppIds } });
      if (answer.data) {
        navigate(href("accounts", answer.data.id, ...(editing ? [] : ["callback"])));
        return;
      }
      const error = (answer.error as { error?: { code: string; message: string; field?: string } })
        ?.error;
      const field = formField(error?.field);
      if (field) {
        // The page's own words for a field's rule; the API's for what only it knows (a Token
        // or AppID another account uses).
        const problem =
          error?.code === "invalid_request" ? { key: ruleKey(field) } : { text: error?.message };
        setErrors({ [field]: problem });
        document.getElementById(`${formId}-${field}`)?.focus();
      } else {
        setGeneral(error?.message ?? t("accounts.saveFailed"));
      }
    } catch {
      setGeneral(t("accounts.saveFailed"));
    } finally {
      setSaving(false);
    }
  };

  const formId = useId();
  if (loadFailed) {
    return (
      <main class="page accounts">
        <p role="alert" class="ac-error">
          {t("accounts.loadFailed")}
        </p>
      </main>
    );
  }
  if (editing && !before) {
    return (
      <main class="page accounts">
        <p class="ac-muted" role="status">
          {t("common.loading")}
        </p>
      </main>
    );
  }

  const text = (field: Exclude<FieldName, "messageMode">, label: MessageKey, hint?: MessageKey) => (
    <Field id={`${formId}-${field}`} label={t(label)} hint={hint && t(hint)} problem={errors[field]}>
      {(props) => (
        <input
          {...props}
          value={fields[field]}
          autoComplete="off"
          spellcheck={false}
          onInput={(e) => set(field, e.currentTarget.value)}
        />
      )}
    </Field>
  );

  const secret = (field: Secret, label: MessageKey, hint: MessageKey, generate?: () => string) => {
    const id = `${formId}-${field}`;
    if (editing && !replaced.has(field)) {
      return (
        <div class="ac-field">
          <span class="ac-label" id={`${id}-label`}>
            {t(label)}
          </span>
          <div class="ac-row">
            <span class="ac-mono ac-masked" aria-labelledby={`${id}-label`}>
              {before![field]}
            </span>
            <button
              type="button"
              class="ac-button"
              aria-label={t("accounts.replaceNamed", { field: t(label) })}
              onClick={() => setReplaced(new Set([...replaced, field]))}
            >
              {t("accounts.replace")}
            </button>
          </div>
          {field === "encodingAesKey" && <p class="ac-hint">{t("accounts.rotateHint")}</p>}
        </div>
      );
    }
    return (
      <Field id={id} label={t(label)} hint={t(hint)} problem={errors[field]}>
        {(props) => (
          <div class="ac-row">
            <input
              {...props}
              value={fields[field]}
              autoComplete="off"
              spellcheck={false}
              onInput={(e) => set(field, e.currentTarget.value)}
            />
            {generate && (
              <button
                type="button"
                class="ac-button"
                aria-label={t("accounts.generateNamed", { field: t(label) })}
                onClick={() => set(field, generate())}
              >
                {t("accounts.generate")}
              </button>
            )}
          </div>
        )}
      </Field>
    );
  };

  return (
    <main class="page accounts">
      <p class="ac-back">
        <a href={href("accounts", ...(accountId ? [accountId] : []))} onClick={followLink}>
          {editing ? t("accounts.backToAccount") : t("accounts.backToList")}
        </a>
      </p>
      <h1>{editing ? t("accounts.editTitle", { name: before!.name }) : t("accounts.new")}</h1>
      {!editing && (
        <ol class="ac-steps" aria-label={t("accounts.stepsLabel")}>
          <li aria-current="step">{t("accounts.step.details")}</li>
          <li>{t("accounts.step.callback")}</li>
        </ol>
      )}
      <form class="ac-form" noValidate onSubmit={submit}>
        {text("name", "accounts.field.name", "accounts.hint.name")}
        {text("originalId", "accounts.field.originalId", "accounts.hint.originalId")}
        {text("appId", "accounts.field.appId", "accounts.hint.appId")}
        {secret("appSecret", "accounts.field.appSecret", "accounts.hint.appSecret")}
        {secret("token", "accounts.field.token", "accounts.hint.token", generateToken)}
        {secret(
          "encodingAesKey",
          "accounts.field.encodingAesKey",
          "accounts.hint.encodingAesKey",
          generateEncodingAesKey,
        )}
        <fieldset class="ac-field ac-modes" aria-describedby={`${formId}-mode-advice`}>
          <legend class="ac-label">{t("accounts.field.messageMode")}</legend>
          {MODES.map((mode) => (
            <label key={mode} class="ac-choice">
              <input
                type="radio"
                name="messageMode"
                value={mode}
                checked={fields.messageMode === mode}
                onChange={() => set("messageMode", mode)}
              />
              {t(`accounts.mode.${mode}`)}
            </label>
          ))}
          <p class="ac-hint" id={`${formId}-mode-advice`}>
            {t("accounts.modeAdvice")}
          </p>
          {errors.messageMode && (
            <p class="ac-field-error" id={`${formId}-messageMode`} tabIndex={-1}>
              {errors.messageMode.key ? t(errors.messageMode.key) : errors.messageMode.text}
            </p>
          )}
        </fieldset>
        <div class="ac-field">
          <label class="ac-choice">
            <input
              type="checkbox"
              checked={fields.sandbox}
              onChange={(e) => set("sandbox", e.currentTarget.checked)}
            />
            {t("accounts.field.sandbox")}
          </label>
          <p class="ac-hint">{t("accounts.hint.sandbox")}</p>
        </div>
        <div class="ac-field">
          <label for={`${formId}-miniPrograms`}>{t("accounts.miniPrograms")}</label>
          <input
            id={`${formId}-miniPrograms`}
            value={miniPrograms}
            aria-describedby={`${formId}-miniPrograms-hint`}
            aria-invalid={miniProgramsWrong ? true : undefined}
            onInput={(e) => {
              setMiniPrograms(e.currentTarget.value);
              setMiniProgramsWrong(null);
            }}
          />
          <p class="ac-hint" id={`${formId}-miniPrograms-hint`}>
            {t("accounts.miniProgramsHint")}
          </p>
          {miniProgramsWrong && (
            <p class="ac-field-error">{t("accounts.rule.appId")}: {miniProgramsWrong}</p>
          )}
        </div>
        {general && (
          <p role="alert" class="ac-error">
            {general}
          </p>
        )}
        <div class="ac-actions">
          <button type="submit" class="ac-button ac-primary" disabled={saving}>
            {saving ? t("common.saving") : editing ? t("common.save") : t("accounts.next")}
          </button>
          <a
            class="ac-button"
            href={href("accounts", ...(accountId ? [accountId] : []))}
            onClick={followLink}
          >
            {t("common.cancel")}
          </a>
        </div>
      </form>
    </main>
  );
}

function ruleKey(field: FieldName): MessageKey {
  return field === "messageMode" ? "accounts.rule.sandboxMode" : (`accounts.rule.${field}` as const);
}

interface ControlProps {
  id: string;
  "aria-invalid"?: "true";
  "aria-describedby": string;
}

/** A labelled control with its hint, and what is wrong with it (announced, next to it). */
function Field({
  id,
  label,
  hint,
  problem,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  problem?: Problem;
  children: (props: ControlProps) => preact.ComponentChildren;
}) {
  const { t } = useI18n();
  const described = [problem && `${id}-error`, hint && `${id}-hint`].filter(Boolean).join(" ");
  return (
    <div class={problem ? "ac-field ac-invalid" : "ac-field"}>
      <label class="ac-label" for={id}>
        {label}
      </label>
      {children({
        id,
        "aria-describedby": described,
        ...(problem ? { "aria-invalid": "true" as const } : {}),
      })}
      {problem && (
        <p class="ac-field-error" id={`${id}-error`} role="alert">
          {problem.key ? t(problem.key) : problem.text}
        </p>
      )}
      {hint && (
        <p class="ac-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
    </div>
  );
}
