import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { Dialog } from "../../conversation/Dialog";
import { useI18n } from "../../i18n";
import { followLink, href, navigate } from "../../router";
import { generateEncodingAesKey } from "./accountForm";
import type { AccountView } from "./AccountsPage";
import { CallbackInformation, CopyValue } from "./CallbackStep";
import { GoLiveCheck } from "./GoLiveCheck";

type ApiError = { error?: { message?: string } };

/** One account: its settings (secrets masked), the callback information, the go-live check, and
 * edit, rotate the EncodingAESKey, disable or enable, delete. */
export function AccountDetail({ api, accountId }: { api: Api; accountId: string }) {
  const { t, language } = useI18n();
  const [account, setAccount] = useState<AccountView | null>(null);
  const [failed, setFailed] = useState<"missing" | "error" | null>(null);
  const [dialog, setDialog] = useState<"rotate" | "delete" | "drain" | "reactivate" | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [checkRevision, setCheckRevision] = useState(0);
  const rotateButton = useRef<HTMLButtonElement>(null);
  const deleteButton = useRef<HTMLButtonElement>(null);
  const statusButton = useRef<HTMLButtonElement>(null);
  const path = { params: { path: { id: accountId } } };

  const load = useCallback(() => {
    api.GET("/api/admin/accounts/{id}", path).then(
      ({ data, response }) =>
        data ? setAccount(data) : setFailed(response.status === 404 ? "missing" : "error"),
      () => setFailed("error"),
    );
  }, [api, accountId]);
  useEffect(load, [load]);

  const patch = async (body: components["schemas"]["AccountPatch"]) => {
    setBusy(true);
    setActionError(null);
    try {
      const { data, error } = await api.PATCH("/api/admin/accounts/{id}", { ...path, body });
      if (data) {
        setAccount(data);
        setCheckRevision((n) => n + 1);
        return true;
      }
      setActionError((error as ApiError)?.error?.message ?? t("accounts.saveFailed"));
    } catch {
      setActionError(t("accounts.saveFailed"));
    } finally {
      setBusy(false);
    }
    return false;
  };

  /** Drain (no new conversations, inactive once the open ones close) or reactivate. */
  const changeStatus = async (action: "drain" | "reactivate") => {
    setBusy(true);
    setActionError(null);
    try {
      const route =
        action === "drain" ? "/api/admin/accounts/{id}/drain" : "/api/admin/accounts/{id}/reactivate";
      const { data, error } = await api.POST(route, path);
      if (data) {
        setAccount(data);
        setCheckRevision((n) => n + 1);
      } else setActionError((error as ApiError)?.error?.message ?? t("accounts.saveFailed"));
    } catch {
      setActionError(t("accounts.saveFailed"));
    } finally {
      setBusy(false);
      setDialog(null);
    }
  };

  const remove = async () => {
    setBusy(true);
    try {
      const { response } = await api.DELETE("/api/admin/accounts/{id}", path);
      if (response.ok) return navigate(href("accounts"));
      setActionError(t("accounts.deleteFailed"));
    } catch {
      setActionError(t("accounts.deleteFailed"));
    } finally {
      setBusy(false);
      setDialog(null);
    }
  };

  if (failed) {
    return (
      <main class="page accounts">
        <p class="ac-back">
          <a href={href("accounts")} onClick={followLink}>
            {t("accounts.backToList")}
          </a>
        </p>
        <p role="alert" class="ac-error">
          {t(failed === "missing" ? "accounts.notFound" : "accounts.loadFailed")}
        </p>
      </main>
    );
  }
  if (!account) {
    return (
      <main class="page accounts">
        <p class="ac-muted" role="status">
          {t("common.loading")}
        </p>
      </main>
    );
  }
  const when = (iso: string) => new Date(iso).toLocaleString(language);
  const rows: [string, string, boolean?][] = [
    [t("accounts.field.originalId"), account.originalId],
    [t("accounts.field.appId"), account.appId],
    [t("accounts.field.appSecret"), account.appSecret, true],
    [t("accounts.field.token"), account.token, true],
    [t("accounts.field.encodingAesKey"), account.encodingAesKey, true],
    [t("accounts.field.messageMode"), t(`accounts.mode.${account.messageMode}`)],
    [t("accounts.field.sandbox"), t(account.sandbox ? "common.yes" : "common.no")],
  ];
  return (
    <main class="page accounts">
      <p class="ac-back">
        <a href={href("accounts")} onClick={followLink}>
          {t("accounts.backToList")}
        </a>
      </p>
      <div class="ac-title">
        <h1>{account.name}</h1>
        <span class={account.disabled ? "ac-state ac-off" : "ac-state ac-on"}>
          {t(account.disabled ? "accounts.disabled" : "accounts.enabled")}
        </span>
        {account.status && account.status !== "active" && (
          <span class="ac-state ac-off">{t(`accounts.channel.${account.status}`)}</span>
        )}
      </div>
      {account.disabled && <p class="ac-warning">{t("accounts.disabledNote")}</p>}
      {account.status && account.status !== "active" && (
        <p class="ac-warning">{t(`accounts.channel.${account.status}Note`)}</p>
      )}
      {(account.warnings ?? []).map((warning) => (
        <p key={warning} class="ac-warning">
          {warning}
        </p>
      ))}
      {actionError && (
        <p role="alert" class="ac-error">
          {actionError}
        </p>
      )}
      <div class="ac-columns">
        <div>
          <section class="ac-card" aria-labelledby="ac-settings-title">
            <div class="ac-card-head">
              <h2 id="ac-settings-title">{t("accounts.settings")}</h2>
              <span class="ac-row">
                <a class="ac-button" href={href("accounts", account.id, "menu")} onClick={followLink}>
                  {t("menu.open")}
                </a>
                <a class="ac-button" href={href("accounts", account.id, "edit")} onClick={followLink}>
                  {t("accounts.edit")}
                </a>
              </span>
            </div>
            <dl class="ac-settings">
              {rows.map(([label, value, masked]) => (
                <div key={label}>
                  <dt>{label}</dt>
                  <dd class={masked ? "ac-mono ac-masked" : undefined}>{value}</dd>
                </div>
              ))}
            </dl>
            <p class="ac-hint">{t("accounts.secretsNote")}</p>
            {account.previousKeyExpiresAt && (
              <p class="ac-hint">
                {t("accounts.rotating", { time: when(account.previousKeyExpiresAt) })}
              </p>
            )}
          </section>
          <CallbackInformation info={account.callback} />
          <section class="ac-card" aria-labelledby="ac-templates-title">
            <div class="ac-card-head">
              <h2 id="ac-templates-title">{t("templates.heading")}</h2>
              <a
                class="ac-button"
                href={href("accounts", account.id, "templates")}
                onClick={followLink}
              >
                {t("templates.manage")}
              </a>
            </div>
            <p class="ac-hint">{t("templates.cardHint")}</p>
          </section>
        </div>
        <div>
          <GoLiveCheck api={api} accountId={account.id} revision={checkRevision} />
          <section class="ac-card" aria-labelledby="ac-manage-title">
            <h2 id="ac-manage-title">{t("accounts.manage")}</h2>
            <div class="ac-manage">
              <button
                type="button"
                class="ac-button"
                ref={rotateButton}
                disabled={busy}
                onClick={() => setDialog("rotate")}
              >
                {t("accounts.rotate")}
              </button>
              <p class="ac-hint">{t("accounts.rotateExplain")}</p>
            </div>
            <div class="ac-manage">
              <button
                type="button"
                class="ac-button"
                disabled={busy}
                onClick={() => patch({ disabled: !account.disabled })}
              >
                {t(account.disabled ? "accounts.enable" : "accounts.disable")}
              </button>
              <p class="ac-hint">
                {t(account.disabled ? "accounts.enableExplain" : "accounts.disableExplain")}
              </p>
            </div>
            <div class="ac-manage">
              <button
                type="button"
                class="ac-button"
                ref={statusButton}
                disabled={busy}
                onClick={() => setDialog(account.status === "active" || !account.status ? "drain" : "reactivate")}
              >
                {t(account.status === "active" || !account.status ? "accounts.drain" : "accounts.reactivate")}
              </button>
              <p class="ac-hint">
                {t(account.status === "active" || !account.status ? "accounts.drainExplain" : "accounts.reactivateExplain")}
              </p>
            </div>
            <div class="ac-manage">
              <button
                type="button"
                class="ac-button ac-danger"
                ref={deleteButton}
                disabled={busy}
                onClick={() => setDialog("delete")}
              >
                {t("accounts.delete")}
              </button>
            </div>
          </section>
        </div>
      </div>
      {dialog === "rotate" && (
        <RotateDialog
          onClose={() => setDialog(null)}
          returnFocus={rotateButton}
          onRotate={async (key) => {
            if (await patch({ encodingAesKey: key })) setDialog(null);
          }}
          busy={busy}
        />
      )}
      {(dialog === "drain" || dialog === "reactivate") && (
        <Dialog
          title={t(dialog === "drain" ? "accounts.drainTitle" : "accounts.reactivateTitle", { name: account.name })}
          onClose={() => setDialog(null)}
          returnFocus={statusButton}
        >
          <p>{t(dialog === "drain" ? "accounts.drainExplain" : "accounts.reactivateExplain")}</p>
          <div class="cv-dialog-buttons">
            <button type="button" onClick={() => setDialog(null)}>
              {t("common.cancel")}
            </button>
            <button type="button" class="cv-primary" disabled={busy} onClick={() => changeStatus(dialog)}>
              {t(dialog === "drain" ? "accounts.drain" : "accounts.reactivate")}
            </button>
          </div>
        </Dialog>
      )}
      {dialog === "delete" && (
        <Dialog
          title={t("accounts.deleteTitle", { name: account.name })}
          onClose={() => setDialog(null)}
          returnFocus={deleteButton}
        >
          <p>{t("accounts.deleteExplain")}</p>
          <div class="cv-dialog-buttons">
            <button type="button" onClick={() => setDialog(null)}>
              {t("common.cancel")}
            </button>
            <button type="button" class="cv-danger" disabled={busy} onClick={remove}>
              {t("accounts.deleteConfirm")}
            </button>
          </div>
        </Dialog>
      )}
    </main>
  );
}

function RotateDialog({
  onClose,
  onRotate,
  returnFocus,
  busy,
}: {
  onClose: () => void;
  onRotate: (key: string) => void;
  returnFocus: { current: HTMLElement | null };
  busy: boolean;
}) {
  const { t } = useI18n();
  const [key] = useState(generateEncodingAesKey);
  return (
    <Dialog title={t("accounts.rotate")} onClose={onClose} returnFocus={returnFocus}>
      <p>{t("accounts.rotateSteps")}</p>
      <CopyValue label={t("accounts.rotateNewKey")} value={key} />
      <div class="cv-dialog-buttons">
        <button type="button" onClick={onClose}>
          {t("common.cancel")}
        </button>
        <button type="button" class="cv-primary" disabled={busy} onClick={() => onRotate(key)}>
          {t("accounts.rotateConfirm")}
        </button>
      </div>
    </Dialog>
  );
}
