import { useEffect, useState } from "preact/hooks";

import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import { followLink, href } from "../../router";
import type { PageProps } from "../../Shell";
import { AccountDetail } from "./AccountDetail";
import { AccountForm } from "./AccountForm";
import { CallbackStep } from "./CallbackStep";
import { MenuEditor } from "./MenuEditor";
import { TemplatesPage } from "./TemplatesPage";
import "./accounts.css";

export type AccountView = components["schemas"]["AccountView"];

/** /console/accounts: the list; new; {id}; {id}/edit; {id}/callback (the form's second step);
 * {id}/templates (its template messages); {id}/menu (the custom menu). */
export function AccountsPage({ api, path }: PageProps) {
  const [id, sub] = path;
  if (id === "new") return <AccountForm api={api} />;
  if (id && sub === "edit") return <AccountForm api={api} accountId={id} />;
  if (id && sub === "callback") return <CallbackStep api={api} accountId={id} />;
  if (id && sub === "templates") return <TemplatesPage api={api} accountId={id} />;
  if (id && sub === "menu") return <MenuEditor api={api} accountId={id} />;
  if (id) return <AccountDetail api={api} accountId={id} />;
  return <AccountList api={api} />;
}

function AccountList({ api }: Pick<PageProps, "api">) {
  const { t } = useI18n();
  const [accounts, setAccounts] = useState<AccountView[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    api.GET("/api/admin/accounts").then(
      ({ data }) => (data ? setAccounts(data.accounts) : setFailed(true)),
      () => setFailed(true),
    );
  }, [api]);
  return (
    <main class="page accounts">
      <div class="ac-title">
        <h1>{t("nav.accounts")}</h1>
        <a class="ac-button ac-primary" href={href("accounts", "new")} onClick={followLink}>
          {t("accounts.new")}
        </a>
      </div>
      {failed ? (
        <p role="alert" class="ac-error">
          {t("accounts.loadFailed")}
        </p>
      ) : accounts === null ? (
        <p class="ac-muted" role="status">
          {t("common.loading")}
        </p>
      ) : accounts.length === 0 ? (
        <div class="ac-empty">
          <p class="ac-empty-title">{t("accounts.empty")}</p>
          <p class="ac-muted">{t("accounts.emptyHint")}</p>
        </div>
      ) : (
        <table class="ac-table">
          <thead>
            <tr>
              <th scope="col">{t("accounts.field.name")}</th>
              <th scope="col">{t("accounts.field.appId")}</th>
              <th scope="col">{t("accounts.field.messageMode")}</th>
              <th scope="col">{t("accounts.status")}</th>
            </tr>
          </thead>
          <tbody>
            {accounts.map((account) => (
              <tr key={account.id}>
                <td>
                  <a href={href("accounts", account.id)} onClick={followLink}>
                    {account.name}
                  </a>
                  {account.sandbox && <span class="ac-tag">{t("accounts.sandboxTag")}</span>}
                </td>
                <td class="ac-mono">{account.appId}</td>
                <td>{t(`accounts.mode.${account.messageMode}`)}</td>
                <td>
                  <span class={account.disabled ? "ac-state ac-off" : "ac-state ac-on"}>
                    {t(account.disabled ? "accounts.disabled" : "accounts.enabled")}
                  </span>
                  {account.status && account.status !== "active" && (
                    <span class="ac-state ac-off">{t(`accounts.channel.${account.status}`)}</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
