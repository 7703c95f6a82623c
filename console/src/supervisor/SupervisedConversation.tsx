import { useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { TransferDialog } from "../conversation/Actions";
import { errorMessage } from "../conversation/attachments";
import { STATE } from "../conversation/CustomerPanel";
import { Dialog } from "../conversation/Dialog";
import { Transcript } from "../conversation/Transcript";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { followLink, href } from "../router";
import { Timeline } from "./Timeline";

type Detail = components["schemas"]["AgentConversationDetail"];

const MAX_PAGES = 10;

/** One live conversation, read only: the workspace's transcript, with Transfer and Close on
 * the agent's behalf. */
export function SupervisedConversation({
  api,
  conversationId,
  revision,
  names,
  onDone,
}: {
  api: Api;
  conversationId: string;
  revision: number;
  names: { queues: Map<string, string>; agents: Map<string, string> };
  onDone: (notice: MessageKey) => void;
}) {
  const { t } = useI18n();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [dialog, setDialog] = useState<"transfer" | "close" | null>(null);
  const [busy, setBusy] = useState(false);
  const [tab, setTab] = useState<"transcript" | "timeline">("transcript");
  const latest = useRef(0);
  const transferButton = useRef<HTMLButtonElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    setDetail(null);
    setError(null);
  }, [conversationId]);

  useEffect(() => {
    const call = ++latest.current;
    void (async () => {
      let body: Detail | null = null;
      let token: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const { data, error: failure } = await api.GET("/api/agent/conversations/{id}", {
          params: { path: { id: conversationId }, query: token ? { continuationToken: token } : {} },
        });
        if (call !== latest.current) return;
        if (!data) {
          setError(errorMessage(failure, "network error"));
          return;
        }
        body = body ? { ...data, messages: [...body.messages, ...data.messages] } : data;
        token = data.continuationToken ?? undefined;
        if (!token) break;
      }
      setError(null);
      setDetail(body);
    })();
  }, [api, conversationId, revision]);

  const act = async (
    call: () => Promise<{ data?: unknown; error?: unknown }>,
    notice: MessageKey,
  ) => {
    setBusy(true);
    setError(null);
    const { data, error: failure } = await call();
    setBusy(false);
    setDialog(null);
    if (data) onDone(notice);
    else setError(t("supervisor.actionFailed", { message: errorMessage(failure) }));
  };
  const path = { params: { path: { id: conversationId } } };

  const back = (
    <a class="sv-back" href={href("supervisor")} onClick={followLink}>
      {t("supervisor.detail.back")}
    </a>
  );
  if (!detail) {
    return (
      <section class="sv-detail" aria-label={t("supervisor.detail.label")}>
        {back}
        {error ? (
          <p role="alert" class="sv-error">
            {error}
          </p>
        ) : (
          <p role="status" class="sv-note">
            {t("supervisor.detail.loading")}
          </p>
        )}
      </section>
    );
  }
  const live = detail.state !== "closed";
  const queue = (detail.queueId && names.queues.get(detail.queueId)) || detail.queueId || t("supervisor.none");
  const agent = detail.agentId
    ? names.agents.get(detail.agentId) ?? detail.agentId
    : t("supervisor.unassigned");
  return (
    <section class="sv-detail" aria-labelledby="sv-detail-heading">
      {back}
      <header class="sv-detail-header">
        <div class="cv-title">
          <h2 id="sv-detail-heading">{detail.customer.name ?? detail.customer.openId}</h2>
          <span class={`cv-state cv-state-${detail.state}`}>{t(STATE[detail.state])}</span>
        </div>
        <p class="sv-where">{t("supervisor.detail.where", { queue, agent })}</p>
        {live && (
          <div class="cv-actions" role="group" aria-label={t("actions.label")}>
            <button type="button" ref={transferButton} disabled={busy} onClick={() => setDialog("transfer")}>
              {t("supervisor.transfer")}
            </button>
            <button type="button" ref={closeButton} class="cv-danger" disabled={busy} onClick={() => setDialog("close")}>
              {t("supervisor.close")}
            </button>
          </div>
        )}
      </header>
      {error && (
        <p role="alert" class="sv-error">
          {error}
        </p>
      )}
      <p class="sv-note">{live ? t("supervisor.readOnly") : t("supervisor.detail.gone")}</p>
      <div class="sv-tabs" role="tablist" aria-label={t("timeline.tabs")}>
        {(["transcript", "timeline"] as const).map((name) => (
          <button
            key={name}
            type="button"
            role="tab"
            id={`sv-tab-${name}`}
            aria-controls={`sv-panel-${name}`}
            aria-selected={tab === name}
            class={tab === name ? "sv-tab selected" : "sv-tab"}
            onClick={() => setTab(name)}
          >
            {t(name === "timeline" ? "timeline.tab" : "timeline.transcriptTab")}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`sv-panel-${tab}`} aria-labelledby={`sv-tab-${tab}`}>
        {tab === "transcript" ? (
          <Transcript
            api={api}
            conversationId={conversationId}
            messages={detail.messages}
            botSummary={detail.botSummary}
          />
        ) : (
          <Timeline api={api} conversationId={conversationId} revision={revision} names={names} />
        )}
      </div>
      {dialog === "close" && (
        <Dialog title={t("supervisor.close")} onClose={() => setDialog(null)} returnFocus={closeButton}>
          <p>{t("supervisor.close.intro")}</p>
          <div class="cv-dialog-buttons">
            <button
              type="button"
              class="cv-danger"
              disabled={busy}
              onClick={() =>
                void act(
                  () => api.POST("/api/supervisor/conversations/{id}/close", { ...path, body: { wrapUp: false } }),
                  "supervisor.closed",
                )
              }
            >
              {t("supervisor.close.now")}
            </button>
            <button type="button" onClick={() => setDialog(null)}>
              {t("common.cancel")}
            </button>
          </div>
        </Dialog>
      )}
      {dialog === "transfer" && (
        <TransferDialog
          api={api}
          busy={busy}
          holder={detail.agentId ?? null}
          returnFocus={transferButton}
          onCancel={() => setDialog(null)}
          onTransfer={(target) =>
            void act(
              () =>
                api.POST("/api/supervisor/conversations/{id}/transfer", {
                  ...path,
                  // One field only: the API wants exactly one of queueId and agentId.
                  body: target as unknown as components["schemas"]["TransferRequest"],
                }),
              "supervisor.transferred",
            )
          }
        />
      )}
    </section>
  );
}

/** Where to: every queue, and every enabled agent but the one who has it now. */
