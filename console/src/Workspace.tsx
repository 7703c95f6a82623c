import { useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "./api/client";
import { useNow } from "./clock";
import { ConversationPane } from "./conversation/ConversationPane";
import { useI18n } from "./i18n";
import type { MessageKey } from "./i18n/messages";
import type { AgentView } from "./session";
import { askForNotifications, notificationState } from "./workspace/alerts";
import { ConversationList } from "./workspace/ConversationList";
import { pickFailure } from "./workspace/lists";
import { OfferNotices } from "./workspace/OfferNotice";
import { OpenWork } from "./workspace/OpenWork";
import { PresenceControl } from "./workspace/PresenceControl";
import { useAgentWork } from "./workspace/useAgentWork";
import { useAttention } from "./workspace/useAttention";
import "./workspace/workspace.css";

const NARROW = "(max-width: 56rem)"; // workspace.css stacks the columns below this

/** The agent workspace: the agent's lists on the left, the open conversation beside them. */
export function Workspace({ api, agent }: { api: Api; agent: AgentView }) {
  const { t } = useI18n();
  const work = useAgentWork(api, agent);
  const now = useNow(30_000);
  const [selected, setSelected] = useState<string | null>(null);
  const [picking, setPicking] = useState<string | null>(null);
  const [pickFailed, setPickFailed] = useState<MessageKey | null>(null);
  const [notifications, setNotifications] = useState(notificationState);
  useAttention(work.conversations, work.queue);
  const main = useRef<HTMLDivElement>(null);
  useEffect(() => {
    // One column on a narrow screen: the opened conversation is below the lists, so go there.
    if (selected && window.matchMedia(NARROW).matches) main.current?.scrollIntoView();
  }, [selected]);

  async function pick(id: string) {
    setPicking(id);
    setPickFailed(null);
    const answer = await api
      .POST("/api/agent/conversations/{id}/pick", { params: { path: { id } } })
      .catch(() => null);
    if (answer?.response.ok || (answer?.error?.error?.code === "taken" && (await mine(id)))) {
      setSelected(id);
    } else setPickFailed(pickFailure(answer?.error?.error?.code));
    setPicking(null);
    work.refresh();
  }

  /** A push-mode queue may have given the agent the conversation just as they picked it. */
  async function mine(id: string): Promise<boolean> {
    const { data } = await api
      .GET("/api/agent/conversations/{id}", { params: { path: { id } } })
      .catch(() => ({ data: undefined }));
    return data?.agentId === work.me.id;
  }

  return (
    <main class="workspace">
      <div class="ws-sidebar" role="region" aria-label={t("workspace.sidebar")}>
        <div class="ws-agent">
          <PresenceControl api={api} me={work.me} onChanged={work.setMe} />
          {notifications === "default" && (
            <button
              type="button"
              class="ws-notify"
              onClick={() => void askForNotifications().then(setNotifications)}
            >
              {t("notify.enable")}
            </button>
          )}
        </div>
        <p class={work.reconnecting ? "ws-feed reconnecting" : "ws-feed"} role="status">
          {work.reconnecting ? t("feed.reconnecting") : ""}
        </p>
        <OfferNotices
          api={api}
          offers={work.offers}
          onAccepted={setSelected}
          onAnswered={() => work.refresh()}
        />
        <ConversationList
          conversations={work.conversations}
          failed={work.listFailed}
          selected={selected}
          now={now}
          onSelect={setSelected}
        />
        <OpenWork
          queue={work.queue}
          now={now}
          picking={picking}
          failed={pickFailed}
          full={work.me.freeCapacity <= 0}
          onPick={(id) => void pick(id)}
        />
      </div>
      <div class="ws-main" ref={main}>
        {selected ? (
          <ConversationPane
            key={selected}
            api={api}
            conversationId={selected}
            revision={work.revision}
            onChanged={() => work.refresh()}
            onClosed={() => setSelected(null)}
          />
        ) : (
          <div class="ws-nothing">
            <p class="ws-empty-title">{t("workspace.noSelection")}</p>
            <p class="ws-empty-hint">{t("workspace.noSelectionHint")}</p>
          </div>
        )}
      </div>
    </main>
  );
}
