import { useEffect, useState } from "preact/hooks";

import { useI18n } from "../../i18n";
import { followLink, href } from "../../router";
import type { PageProps } from "../../Shell";
import { apiError, type Account, type FieldError, type Queue, type Workstream } from "./model";
import { NewWorkstream } from "./NewWorkstream";
import { RulesEditor } from "./RulesEditor";
import { SettingsForm } from "./SettingsForm";
import { SetupWizard } from "./SetupWizard";
import "./workstreams.css";

/** What every workstream page needs besides the workstream: the accounts and the queues. */
export interface Catalog {
  accounts: Account[];
  queues: Queue[];
  workstreams: Workstream[];
}

export function useCatalog(api: PageProps["api"], revision = 0) {
  const { t } = useI18n();
  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [error, setError] = useState<FieldError | null>(null);
  useEffect(() => {
    let live = true;
    Promise.all([
      api.GET("/api/admin/accounts"),
      api.GET("/api/admin/queues"),
      api.GET("/api/admin/workstreams"),
    ]).then(
      ([accounts, queues, workstreams]) => {
        if (!live) return;
        const failed = accounts.error ?? queues.error ?? workstreams.error;
        if (failed || !accounts.data || !queues.data || !workstreams.data) {
          setError(apiError(failed, t("workstreams.loadFailed")));
          return;
        }
        setCatalog({
          accounts: accounts.data.accounts,
          queues: queues.data.queues,
          workstreams: workstreams.data.workstreams as unknown as Workstream[],
        });
      },
      () => live && setError({ message: t("workstreams.loadFailed") }),
    );
    return () => {
      live = false;
    };
  }, [api, revision]);
  return { catalog, error };
}

export function WorkstreamsPage({ api, path }: PageProps) {
  const [first, second] = path;
  if (first === "new") return <NewWorkstream api={api} />;
  if (first && second === "setup") return <SetupWizard api={api} workstreamId={first} />;
  if (first && second === "rules") return <RulesEditor api={api} workstreamId={first} />;
  if (first) return <SettingsForm api={api} workstreamId={first} />;
  return <WorkstreamList api={api} />;
}

function WorkstreamList({ api }: { api: PageProps["api"] }) {
  const { t } = useI18n();
  const { catalog, error } = useCatalog(api);
  const accountName = (id: string) => catalog?.accounts.find((a) => a.id === id)?.name ?? id;
  const queueName = (id: string) => catalog?.queues.find((q) => q.id === id)?.name ?? id;
  return (
    <main class="page ws-page">
      <div class="ws-head">
        <h1>{t("nav.workstreams")}</h1>
        <a class="ws-button ws-primary" href={href("workstreams", "new")} onClick={followLink}>
          {t("workstreams.new")}
        </a>
      </div>
      {error && <p role="alert" class="error">{error.message}</p>}
      {!catalog && !error && <p role="status">{t("common.loading")}</p>}
      {catalog && catalog.workstreams.length === 0 && (
        <div class="ws-empty">
          <p>{t("workstreams.empty")}</p>
          <p class="ws-hint">{t("workstreams.emptyHint")}</p>
        </div>
      )}
      {catalog && catalog.workstreams.length > 0 && (
        <table class="ws-table">
          <thead>
            <tr>
              <th scope="col">{t("workstreams.name")}</th>
              <th scope="col">{t("workstreams.account")}</th>
              <th scope="col">{t("workstreams.language")}</th>
              <th scope="col">{t("workstreams.mode")}</th>
              <th scope="col">{t("workstreams.fallbackQueue")}</th>
              <th scope="col">{t("workstreams.rulesCount")}</th>
            </tr>
          </thead>
          <tbody>
            {catalog.workstreams.map((ws) => (
              <tr key={ws.id}>
                <th scope="row">
                  <a href={href("workstreams", ws.id)} onClick={followLink}>
                    {ws.name}
                  </a>
                </th>
                <td>{accountName(ws.accountId)}</td>
                <td>{ws.language}</td>
                <td>{t(ws.distributionMode === "pick" ? "workstreams.settings.modePick" : "workstreams.settings.modePush")}</td>
                <td>{queueName(ws.fallbackQueueId)}</td>
                <td>
                  <a href={href("workstreams", ws.id, "rules")} onClick={followLink}>
                    {t("workstreams.rulesLink", { count: ws.routingRules.length })}
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** The tabs of one workstream: its settings, Set up WeChat, routing rules. */
export function WorkstreamTabs({ id, current }: { id: string; current: "settings" | "setup" | "rules" }) {
  const { t } = useI18n();
  const tabs = [
    ["settings", t("workstreams.tabSettings"), href("workstreams", id)],
    ["setup", t("setup.title"), href("workstreams", id, "setup")],
    ["rules", t("rules.title"), href("workstreams", id, "rules")],
  ] as const;
  return (
    <nav class="ws-tabs" aria-label={t("workstreams.tabsLabel")}>
      <a href={href("workstreams")} onClick={followLink} class="ws-back">
        {t("workstreams.all")}
      </a>
      {tabs.map(([key, label, to]) => (
        <a key={key} href={to} onClick={followLink} aria-current={key === current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}

/** A labelled control with its hint and the API's error for it, tied together for screen
 * readers (aria-describedby, aria-invalid are set by the caller through ``describedBy``). */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: preact.ComponentChildren;
}) {
  return (
    <div class={"ws-field" + (error ? " ws-invalid" : "")}>
      <label for={id}>{label}</label>
      {children}
      {hint && (
        <p class="ws-hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p class="ws-error" id={`${id}-error`} role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function described(id: string, hint?: string, error?: string) {
  const ids = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return { id, "aria-describedby": ids || undefined, "aria-invalid": error ? true : undefined };
}
