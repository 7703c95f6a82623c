import { useCallback, useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import { followLink, href } from "../../router";
import { problemOf, type Problem } from "../queues/apiError";
import {
  bodyOf,
  emptyForm,
  type FieldRow,
  formOf,
  type TemplateForm,
  type TemplateView,
} from "./templates";

/** /console/accounts/{id}/templates: the account's template messages, which agents may send
 * to a customer outside the 48-hour reply window: register, approve, edit, import from
 * WeChat, remove. */
export function TemplatesPage({ api, accountId }: { api: Api; accountId: string }) {
  const { t, language } = useI18n();
  const count = new Intl.NumberFormat(language);
  const [templates, setTemplates] = useState<TemplateView[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [editing, setEditing] = useState<{ form: TemplateForm; current: TemplateView | null } | null>(
    null,
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const path = { params: { path: { id: accountId } } };

  const load = useCallback(() => {
    api.GET("/api/admin/accounts/{id}/templates", path).then(
      ({ data }) => (data ? setTemplates(data.templates) : setFailed(true)),
      () => setFailed(true),
    );
  }, [api, accountId]);
  useEffect(load, [load]);

  const save = async (form: TemplateForm, current: TemplateView | null) => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    const templateId = form.templateId.trim();
    try {
      const { data, error, response } = await api.PUT(
        "/api/admin/accounts/{id}/templates/{templateId}",
        {
          params: { path: { id: accountId, templateId: templateId || "-" } },
          body: bodyOf(form, current),
        },
      );
      if (data) {
        setEditing(null);
        setNotice(t("templates.saved", { title: data.title }));
        load();
      } else setProblem(problemOf(error, response.status));
    } catch {
      setProblem(problemOf(undefined));
    } finally {
      setBusy(false);
    }
  };

  const setEnabled = (template: TemplateView, enabled: boolean) =>
    save({ ...formOf(template), enabled }, template);

  const remove = async (template: TemplateView) => {
    setBusy(true);
    setNotice(null);
    try {
      const { response } = await api.DELETE("/api/admin/accounts/{id}/templates/{templateId}", {
        params: { path: { id: accountId, templateId: template.templateId } },
      });
      if (response.ok) {
        setNotice(t("templates.removed", { title: template.title }));
        load();
      } else setProblem({ code: "error", message: t("templates.removeFailed") });
    } finally {
      setBusy(false);
    }
  };

  const importFromWeChat = async () => {
    setBusy(true);
    setProblem(null);
    setNotice(null);
    try {
      const { data, error, response } = await api.POST(
        "/api/admin/accounts/{id}/templates/import",
        { ...path, body: { enabled: false } },
      );
      if (data) {
        setNotice(
          t("templates.imported", { count: data.imported.length, skipped: data.skipped.length }),
        );
        load();
      } else setProblem(problemOf(error, response.status));
    } catch {
      setProblem(problemOf(undefined));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="page accounts">
      <p class="ac-back">
        <a href={href("accounts", accountId)} onClick={followLink}>
          {t("accounts.backToAccount")}
        </a>
      </p>
      <div class="ac-title">
        <h1>{t("templates.heading")}</h1>
        <div class="ac-title-actions">
          <button type="button" class="ac-button" disabled={busy} onClick={importFromWeChat}>
            {t("templates.import")}
          </button>
          <button
            type="button"
            class="ac-button ac-primary"
            disabled={busy}
            onClick={() => setEditing({ form: emptyForm(), current: null })}
          >
            {t("templates.new")}
          </button>
        </div>
      </div>
      <p class="ac-hint ac-intro">{t("templates.intro")}</p>
      {notice && (
        <p role="status" class="ac-notice">
          {notice}
        </p>
      )}
      {problem && !editing && (
        <p role="alert" class="ac-error">
          {problem.message || t("templates.saveFailed")}
        </p>
      )}
      {editing && (
        <TemplateEditor
          form={editing.form}
          isNew={!editing.current}
          busy={busy}
          problem={problem}
          onCancel={() => {
            setEditing(null);
            setProblem(null);
          }}
          onSave={(form) => save(form, editing.current)}
        />
      )}
      {failed ? (
        <p role="alert" class="ac-error">
          {t("templates.loadFailed")}
        </p>
      ) : templates === null ? (
        <p class="ac-muted" role="status">
          {t("common.loading")}
        </p>
      ) : templates.length === 0 ? (
        <div class="ac-empty">
          <p class="ac-empty-title">{t("templates.empty")}</p>
          <p class="ac-muted">{t("templates.emptyHint")}</p>
        </div>
      ) : (
        <table class="ac-table">
          <thead>
            <tr>
              <th>{t("templates.col.title")}</th>
              <th>{t("templates.col.fields")}</th>
              <th>{t("templates.col.today")}</th>
              <th>{t("templates.col.state")}</th>
              <th>
                <span class="ac-sr">{t("templates.col.actions")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {templates.map((template) => (
              <tr key={template.templateId}>
                <td>
                  <strong>{template.title}</strong>
                  <div class="ac-mono ac-muted">{template.templateId}</div>
                </td>
                <td>{template.fields.map((f) => `${f.label} (${f.key})`).join(", ")}</td>
                <td>
                  {t("templates.today", {
                    sent: count.format(template.sentToday ?? 0),
                    quota: count.format(template.dailyQuota),
                  })}
                </td>
                <td>
                  <span class={template.enabled ? "ac-state ac-on" : "ac-state ac-off"}>
                    {t(template.enabled ? "templates.approved" : "templates.notApproved")}
                  </span>
                </td>
                <td>
                  <div class="ac-row-actions">
                    <button
                      type="button"
                      class="ac-button"
                      disabled={busy}
                      onClick={() => setEnabled(template, !template.enabled)}
                    >
                      {t(template.enabled ? "templates.withdraw" : "templates.approve")}
                    </button>
                    <button
                      type="button"
                      class="ac-button"
                      disabled={busy}
                      onClick={() => setEditing({ form: formOf(template), current: template })}
                    >
                      {t("templates.edit")}
                    </button>
                    <button
                      type="button"
                      class="ac-button ac-danger"
                      disabled={busy}
                      onClick={() => remove(template)}
                    >
                      {t("templates.remove")}
                    </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

function TemplateEditor({
  form: initial,
  isNew,
  busy,
  problem,
  onCancel,
  onSave,
}: {
  form: TemplateForm;
  isNew: boolean;
  busy: boolean;
  problem: Problem | null;
  onCancel: () => void;
  onSave: (form: TemplateForm) => void;
}) {
  const { t } = useI18n();
  const [form, setForm] = useState(initial);
  useEffect(() => setForm(initial), [initial]);
  const set = (changes: Partial<TemplateForm>) => setForm({ ...form, ...changes });
  const setRow = (index: number, changes: Partial<FieldRow>) =>
    set({ fields: form.fields.map((row, i) => (i === index ? { ...row, ...changes } : row)) });
  const text = (value: Event) => (value.target as HTMLInputElement).value;

  return (
    <form
      class="ac-form ac-template-form"
      aria-label={t(isNew ? "templates.new" : "templates.edit")}
      onSubmit={(event) => {
        event.preventDefault();
        onSave(form);
      }}
    >
      <label class="ac-field">
        <span class="ac-label">{t("templates.field.templateId")}</span>
        <input
          type="text"
          class="ac-mono"
          value={form.templateId}
          readOnly={!isNew}
          onInput={(event) => set({ templateId: text(event) })}
        />
        <span class="ac-hint">{t("templates.field.templateIdHint")}</span>
      </label>
      <label class="ac-field">
        <span class="ac-label">{t("templates.field.title")}</span>
        <input type="text" value={form.title} onInput={(event) => set({ title: text(event) })} />
      </label>
      <fieldset class="ac-field">
        <legend class="ac-label">{t("templates.field.fields")}</legend>
        <span class="ac-hint">{t("templates.field.fieldsHint")}</span>
        {form.fields.map((row, i) => (
          <div key={i} class="ac-template-row">
            <input
              type="text"
              class="ac-mono"
              aria-label={t("templates.field.key", { n: i + 1 })}
              placeholder="keyword1"
              value={row.key}
              onInput={(event) => setRow(i, { key: text(event) })}
            />
            <input
              type="text"
              aria-label={t("templates.field.label", { n: i + 1 })}
              placeholder={t("templates.field.labelPlaceholder")}
              value={row.label}
              onInput={(event) => setRow(i, { label: text(event) })}
            />
            <input
              type="number"
              min={1}
              max={200}
              aria-label={t("templates.field.maxLength", { n: i + 1 })}
              value={row.maxLength}
              onInput={(event) => setRow(i, { maxLength: text(event) })}
            />
            <button
              type="button"
              class="ac-button"
              disabled={form.fields.length === 1}
              onClick={() => set({ fields: form.fields.filter((_, j) => j !== i) })}
            >
              {t("templates.field.removeRow")}
            </button>
          </div>
        ))}
        <div>
          <button
            type="button"
            class="ac-button"
            onClick={() =>
              set({ fields: [...form.fields, { key: "", label: "", maxLength: "20" }] })
            }
          >
            {t("templates.field.addRow")}
          </button>
        </div>
      </fieldset>
      <label class="ac-field">
        <span class="ac-label">{t("templates.field.url")}</span>
        <input type="text" value={form.url} onInput={(event) => set({ url: text(event) })} />
      </label>
      <label class="ac-field">
        <span class="ac-label">{t("templates.field.dailyQuota")}</span>
        <input
          type="number"
          min={1}
          value={form.dailyQuota}
          onInput={(event) => set({ dailyQuota: text(event) })}
        />
        <span class="ac-hint">{t("templates.field.dailyQuotaHint")}</span>
      </label>
      <label class="ac-toggle">
        <input
          type="checkbox"
          checked={form.enabled}
          onChange={(event) => set({ enabled: (event.target as HTMLInputElement).checked })}
        />
        {t("templates.field.enabled")}
      </label>
      {problem && (
        <p role="alert" class="ac-error">
          {problem.field ? `${problem.field}: ` : ""}
          {problem.message || t("templates.saveFailed")}
        </p>
      )}
      <div class="ac-actions">
        <button type="button" class="ac-button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" class="ac-button ac-primary" disabled={busy}>
          {busy ? t("common.saving") : t("common.save")}
        </button>
      </div>
    </form>
  );
}
