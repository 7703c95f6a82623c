import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import { followLink, href } from "../../router";
import {
  MAX_BUTTONS,
  MAX_SUB_BUTTONS,
  MAX_SUB_NAME_BYTES,
  MAX_TOP_NAME_BYTES,
  bytes,
  draftOf,
  menuOf,
  newButton,
  newSub,
  problems,
  type ButtonDraft,
  type MenuView,
  type Problem,
  type SubDraft,
} from "./menuModel";

type ApiFailure = { error?: { message?: string; field?: string | null } };
type Outcome = { ok: boolean; text: string; field?: string };

/** /console/accounts/{id}/menu: the account's custom menu, two levels of click and view
 * buttons, checked against WeChat's limits as it is typed; Save keeps the draft, Publish sends
 * it to WeChat (menu/create), Pull reads WeChat's menu into the draft. */
export function MenuEditor({ api, accountId }: { api: Api; accountId: string }) {
  const { t, language } = useI18n();
  const [view, setView] = useState<MenuView | null>(null);
  const [buttons, setButtons] = useState<ButtonDraft[]>([]);
  const [dirty, setDirty] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const path = { params: { path: { id: accountId } } };

  const show = (next: MenuView) => {
    setView(next);
    setButtons(draftOf(next.menu));
    setDirty(false);
  };
  useEffect(() => {
    api.GET("/api/admin/accounts/{id}/menu", path).then(
      ({ data }) => (data ? show(data) : setFailed(true)),
      () => setFailed(true),
    );
  }, [api, accountId]);

  const found = problems(buttons);
  const problemAt = (at: string) => found.find((p) => p.path === at);
  const change = (next: ButtonDraft[]) => {
    setButtons(next);
    setDirty(true);
    setOutcome(null);
  };
  const setButton = (i: number, next: ButtonDraft) => change(buttons.map((b, j) => (j === i ? next : b)));

  const call = async (
    run: () => Promise<{ data?: MenuView; error?: unknown }>,
    success: string,
  ) => {
    setBusy(true);
    setOutcome(null);
    try {
      const { data, error } = await run();
      if (data) {
        show(data);
        setOutcome({ ok: true, text: success });
      } else {
        const detail = (error as ApiFailure | undefined)?.error;
        setOutcome({ ok: false, text: detail?.message ?? t("menu.failed"), field: detail?.field ?? undefined });
      }
    } catch {
      setOutcome({ ok: false, text: t("menu.failed") });
    } finally {
      setBusy(false);
    }
  };
  const save = () =>
    call(() => api.PUT("/api/admin/accounts/{id}/menu", { ...path, body: menuOf(buttons) }), t("menu.saved"));
  const publish = () => call(() => api.POST("/api/admin/accounts/{id}/menu/publish", path), t("menu.publishedNow"));
  const pull = () => call(() => api.POST("/api/admin/accounts/{id}/menu/pull", path), t("menu.pulled"));

  const when = (iso: string) => new Date(iso).toLocaleString(language);
  const back = (
    <p class="ac-back">
      <a href={href("accounts", accountId)} onClick={followLink}>
        {t("accounts.backToAccount")}
      </a>
    </p>
  );
  if (failed) {
    return (
      <main class="page accounts">
        {back}
        <p role="alert" class="ac-error">{t("menu.loadFailed")}</p>
      </main>
    );
  }
  if (!view) {
    return (
      <main class="page accounts">
        <p class="ac-muted" role="status">{t("common.loading")}</p>
      </main>
    );
  }
  const last = view.lastPublish;
  return (
    <main class="page accounts">
      {back}
      <div class="ac-title">
        <h1>{t("menu.title")}</h1>
        <span class={view.published && !dirty ? "ac-state ac-on" : "ac-state ac-off"}>
          {t(view.published && !dirty ? "menu.isPublished" : "menu.notPublished")}
        </span>
      </div>
      <p class="ac-hint">{t("menu.intro")}</p>
      <div class="mn-buttons">
        {buttons.map((button, i) => (
          <TopButton
            key={i}
            index={i}
            button={button}
            problemAt={problemAt}
            onChange={(next) => setButton(i, next)}
            onRemove={() => change(buttons.filter((_, j) => j !== i))}
          />
        ))}
      </div>
      {buttons.length === 0 ? (
        <p class="ac-hint">{t("menu.empty")}</p>
      ) : (
        problemAt("buttons") && <p role="alert" class="ac-field-error">{t(problemAt("buttons")!.key)}</p>
      )}
      <div class="ac-actions">
        <button type="button" class="ac-button" disabled={buttons.length >= MAX_BUTTONS} onClick={() => change([...buttons, newButton()])}>
          {t("menu.addButton")}
        </button>
        <span class="ws-spacer" />
        <button type="button" class="ac-button" disabled={busy} onClick={pull}>
          {t("menu.pull")}
        </button>
        <button type="button" class="ac-button ac-primary" disabled={busy || found.length > 0 || !dirty} onClick={save}>
          {busy ? t("common.saving") : t("common.save")}
        </button>
        <button type="button" class="ac-button ac-primary" disabled={busy || dirty || !view.menu} onClick={publish}>
          {t("menu.publish")}
        </button>
      </div>
      {dirty && <p class="ac-hint">{t("menu.saveFirst")}</p>}
      {outcome && (
        <p role={outcome.ok ? "status" : "alert"} class={outcome.ok ? "ac-notice" : "ac-error"}>
          {outcome.field ? `${outcome.field}: ${outcome.text}` : outcome.text}
        </p>
      )}
      {last && (
        <p class="ac-hint" data-testid="menu-last-publish">
          {last.ok
            ? t("menu.lastPublishOk", { time: when(last.at) })
            : t("menu.lastPublishFailed", {
                time: when(last.at),
                reason: last.reason ?? "",
                errcode: last.errcode ?? "",
              })}
        </p>
      )}
    </main>
  );
}

function TopButton({
  index,
  button,
  problemAt,
  onChange,
  onRemove,
}: {
  index: number;
  button: ButtonDraft;
  problemAt: (path: string) => Problem | undefined;
  onChange: (next: ButtonDraft) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const path = `buttons.${index}`;
  const subsProblem = problemAt(`${path}.subButtons`);
  return (
    <fieldset class="ac-card mn-button">
      <legend class="ac-label">{t("menu.button", { n: index + 1 })}</legend>
      <NameField value={button.name} limit={MAX_TOP_NAME_BYTES} path={path} problemAt={problemAt} onChange={(name) => onChange({ ...button, name })} />
      <label class="ac-choice">
        <input
          type="checkbox"
          checked={button.parent}
          onChange={(e) => {
            const parent = (e.target as HTMLInputElement).checked;
            onChange({ ...button, parent, subs: parent && button.subs.length === 0 ? [newSub()] : button.subs });
          }}
        />
        {t("menu.hasSubButtons")}
      </label>
      {button.parent ? (
        <div class="mn-subs">
          {button.subs.map((sub, j) => (
            <div class="mn-sub" key={j}>
              <NameField
                value={sub.name}
                limit={MAX_SUB_NAME_BYTES}
                path={`${path}.subButtons.${j}`}
                problemAt={problemAt}
                onChange={(name) => onChange({ ...button, subs: button.subs.map((s, k) => (k === j ? { ...s, name } : s)) })}
              />
              <ActionFields
                action={sub}
                path={`${path}.subButtons.${j}`}
                problemAt={problemAt}
                onChange={(next) => onChange({ ...button, subs: button.subs.map((s, k) => (k === j ? { ...s, ...next } : s)) })}
              />
              <button type="button" class="ac-button ac-danger" onClick={() => onChange({ ...button, subs: button.subs.filter((_, k) => k !== j) })}>
                {t("menu.removeSubButton")}
              </button>
            </div>
          ))}
          {subsProblem && <p role="alert" class="ac-field-error">{t(subsProblem.key)}</p>}
          <button type="button" class="ac-button" disabled={button.subs.length >= MAX_SUB_BUTTONS} onClick={() => onChange({ ...button, subs: [...button.subs, newSub()] })}>
            {t("menu.addSubButton")}
          </button>
        </div>
      ) : (
        <ActionFields action={button} path={path} problemAt={problemAt} onChange={(next) => onChange({ ...button, ...next })} />
      )}
      <div class="ac-actions">
        <button type="button" class="ac-button ac-danger" onClick={onRemove}>
          {t("menu.removeButton")}
        </button>
      </div>
    </fieldset>
  );
}

function NameField({
  value,
  limit,
  path,
  problemAt,
  onChange,
}: {
  value: string;
  limit: number;
  path: string;
  problemAt: (path: string) => Problem | undefined;
  onChange: (name: string) => void;
}) {
  const { t } = useI18n();
  const problem = problemAt(`${path}.name`);
  const id = `mn-${path.replace(/\./g, "-")}-name`;
  return (
    <div class={problem ? "ac-field ac-invalid" : "ac-field"}>
      <label class="ac-label" for={id}>{t("menu.name")}</label>
      <input id={id} value={value} aria-invalid={problem ? true : undefined} onInput={(e) => onChange((e.target as HTMLInputElement).value)} />
      <p class="ac-hint">{t("menu.bytes", { size: bytes(value), limit })}</p>
      {problem && <p role="alert" class="ac-field-error">{t(problem.key, problem.values)}</p>}
    </div>
  );
}

function ActionFields({
  action,
  path,
  problemAt,
  onChange,
}: {
  action: SubDraft;
  path: string;
  problemAt: (path: string) => Problem | undefined;
  onChange: (next: Partial<SubDraft>) => void;
}) {
  const { t } = useI18n();
  const field = action.type === "click" ? "key" : "url";
  const problem = problemAt(`${path}.${field}`);
  const id = `mn-${path.replace(/\./g, "-")}`;
  return (
    <div class={problem ? "ac-field ac-invalid" : "ac-field"}>
      <label class="ac-label" for={`${id}-type`}>{t("menu.type")}</label>
      <select id={`${id}-type`} value={action.type} onChange={(e) => onChange({ type: (e.target as HTMLSelectElement).value as SubDraft["type"] })}>
        <option value="click">{t("menu.type.click")}</option>
        <option value="view">{t("menu.type.view")}</option>
      </select>
      <label class="ac-label" for={`${id}-${field}`}>{t(field === "key" ? "menu.key" : "menu.url")}</label>
      <input
        id={`${id}-${field}`}
        value={action[field]}
        aria-invalid={problem ? true : undefined}
        onInput={(e) => onChange({ [field]: (e.target as HTMLInputElement).value })}
      />
      <p class="ac-hint">{t(field === "key" ? "menu.keyHint" : "menu.urlHint")}</p>
      {problem && <p role="alert" class="ac-field-error">{t(problem.key, problem.values)}</p>}
    </div>
  );
}
