import "./conversation.css";

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { useNow } from "../clock";
import { useI18n } from "../i18n";
import { describeWindow, windowOpen } from "../replyWindow";
import { customerLabel } from "../workspace/lists";
import { Actions, type Outcome } from "./Actions";
import { errorMessage } from "./attachments";
import { replyBlocked } from "./capabilities";
import { CustomerPanel, STATE } from "./CustomerPanel";
import { lastCustomerLineId, type MessageView, mergeLines } from "./lines";
import { ReplyBox } from "./ReplyBox";
import { TemplateComposer } from "./TemplateComposer";
import { offerTemplate } from "./templates";
import { Transcript } from "./Transcript";

type Detail = components["schemas"]["AgentConversationDetail"];

/** Pages of a transcript fetched at most (the API gives 200 lines a page). */
const MAX_PAGES = 10;

export interface ConversationPaneProps {
  api: Api;
  conversationId: string;
  /** Bumped by the frame when the change feed says the agent's conversations changed. */
  revision: number;
  /** Something the pane did changed the agent's list (a reply, park, close, transfer). */
  onChanged: () => void;
  /** The conversation is no longer the agent's (closed or transferred). */
  onClosed: () => void;
}

/** One conversation: its heading and reply window, the transcript, the reply box, the
 * actions, and the customer beside it. */
export function ConversationPane({
  api,
  conversationId,
  revision,
  onChanged,
  onClosed,
}: ConversationPaneProps) {
  const { t } = useI18n();
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [local, setLocal] = useState<MessageView[]>([]);
  const now = useNow(30_000);
  const latest = useRef(0);
  const marked = useRef<string | null>(null);

  const load = useCallback(async () => {
    const call = ++latest.current;
    let body: Detail | null = null;
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data, error: failure } = await api.GET("/api/agent/conversations/{id}", {
        params: { path: { id: conversationId }, query: token ? { continuationToken: token } : {} },
      });
      if (call !== latest.current) return; // another conversation, or a newer revision
      if (!data) {
        setError(t("conversation.loadFailed", { message: errorMessage(failure) }));
        return;
      }
      body = body ? { ...data, messages: [...body.messages, ...data.messages] } : data;
      token = data.continuationToken ?? undefined;
      if (!token) break;
    }
    setError(null);
    setDetail(body);
  }, [api, conversationId]);

  useEffect(() => {
    setDetail(null);
    setLocal([]);
    setError(null);
    marked.current = null;
  }, [conversationId]);

  useEffect(() => {
    void load();
  }, [load, revision]);

  // Mark read what the agent has in front of them: on load, and when the tab comes back.
  const lastLine = detail ? lastCustomerLineId(detail.messages) : null;
  useEffect(() => {
    const mark = () => {
      if (!lastLine || document.visibilityState !== "visible") return;
      if (marked.current === lastLine || (detail?.readUpTo ?? "") >= lastLine) return;
      marked.current = lastLine;
      void api
        .POST("/api/agent/conversations/{id}/read", {
          params: { path: { id: conversationId } },
          body: { upTo: lastLine },
        })
        .then(({ data }) => data && onChanged());
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [api, conversationId, lastLine, detail?.readUpTo]);

  const done = (outcome: Outcome) => {
    onChanged();
    if (outcome === "gone") onClosed();
    else void load();
  };

  if (!detail) {
    return (
      <div class="conversation-pane">
        <section class="cv-main">
          {error ? (
            <p role="alert" class="cv-error">
              {error}
            </p>
          ) : (
            <p role="status" class="cv-note">
              {t("conversation.loading")}
            </p>
          )}
        </section>
      </div>
    );
  }

  const customer = customerLabel(detail.customer, t("customer.wechatUser"));
  const open = windowOpen(detail.window, now);
  const blocked = replyBlocked(detail.capabilities.canReply, detail.state);
  const messages = mergeLines(detail.messages, local);

  return (
    <div class="conversation-pane">
      <section class="cv-main" aria-labelledby="cv-heading">
        <header class="cv-header">
          <div class="cv-title">
            <h2 id="cv-heading">{customer}</h2>
            <span class={`cv-state cv-state-${detail.state}`}>{t(STATE[detail.state])}</span>
          </div>
          <p class={`reply-window${open ? "" : " cv-window-closed"}`}>
            {describeWindow(detail.window, now, t)}
          </p>
          <Actions
            api={api}
            conversationId={conversationId}
            state={detail.state}
            holder={detail.agentId ?? null}
            capabilities={detail.capabilities}
            onDone={done}
          />
        </header>
        {error && (
          <p role="alert" class="cv-error">
            {error}
          </p>
        )}
        {!open && detail.state !== "closed" && (
          <p class="cv-window-note">{t("conversation.windowClosed")}</p>
        )}
        <Transcript
          api={api}
          conversationId={conversationId}
          messages={messages}
          botSummary={detail.botSummary}
        />
        {offerTemplate(detail.capabilities.canReply, open, messages) && (
          <TemplateComposer
            api={api}
            conversationId={conversationId}
            onQueued={(message) => {
              setLocal((lines) => [...lines, message]);
              onChanged();
            }}
          />
        )}
        <ReplyBox
          api={api}
          conversationId={conversationId}
          capabilities={detail.capabilities}
          blocked={blocked && t(blocked)}
          onQueued={(message) => {
            setLocal((lines) => [...lines, message]);
            onChanged();
          }}
        />
      </section>
      <CustomerPanel
        api={api}
        conversationId={conversationId}
        revision={revision}
        editable={detail.capabilities.canReply}
      />
    </div>
  );
}
