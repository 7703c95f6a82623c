import "../conversation/conversation.css";
import "./supervisor.css";

import { useEffect, useId, useMemo, useState } from "preact/hooks";

import { useNow } from "../clock";
import { STATE } from "../conversation/CustomerPanel";
import { customerLabel, lineText } from "../workspace/lists";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { followLink, href, navigate } from "../router";
import type { PageProps } from "../Shell";
import { duration, type Filters, LIVE_STATES, type LiveState, NO_FILTERS } from "./live";
import { PoisonNotice } from "./PoisonNotice";
import { SupervisedConversation } from "./SupervisedConversation";
import { type Overview, type Supervised, useSupervision } from "./useSupervision";

const PRESENCE: Record<string, MessageKey> = {
  available: "presence.available",
  busy: "presence.busy",
  doNotDisturb: "presence.doNotDisturb",
  away: "presence.away",
  offline: "presence.offline",
};

/** The supervisor's view: the queues' load, the agents, the live conversations (filterable)
 * and one conversation opened read only, at /console/supervisor/<conversation id>. */
export function SupervisorPage({ api, session, path }: PageProps) {
  const { t } = useI18n();
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [notice, setNotice] = useState<MessageKey | null>(null);
  const work = useSupervision(api, filters);
  const now = useNow(30_000);
  const openId = path[0] ?? null;
  const names = useMemo(
    () => ({
      queues: new Map((work.overview?.queues ?? []).map((q) => [q.id, q.name])),
      agents: new Map((work.overview?.agents ?? []).map((a) => [a.id, a.name])),
    }),
    [work.overview],
  );
  useEffect(() => {
    if (openId) setNotice(null); // the notice of what was done last goes once another opens
  }, [openId]);

  return (
    <main class="page sv-page">
      <h1>{t("nav.supervisor")}</h1>
      <p class="sv-intro">{session.agent ? t("supervisor.intro") : t("supervisor.introAdmin")}</p>
      <p role="status" class={work.reconnecting ? "sv-feed reconnecting" : "sv-feed"}>
        {work.reconnecting ? t("supervisor.reconnecting") : notice ? t(notice) : ""}
      </p>
      {!session.agent && <PoisonNotice api={api} />}
      {work.error && (
        <p role="alert" class="sv-error">
          {t("supervisor.loadFailed", { message: work.error })}
        </p>
      )}
      {!work.overview ? (
        !work.error && (
          <p role="status" class="sv-note">
            {t("supervisor.loading")}
          </p>
        )
      ) : (
        <>
          <div class="sv-summary">
            <QueuesTable overview={work.overview} now={now} />
            <AgentsTable overview={work.overview} />
          </div>
          <div class={openId ? "sv-work sv-work-open" : "sv-work"}>
            <ConversationsSection
              conversations={work.conversations}
              overview={work.overview}
              filters={filters}
              setFilters={setFilters}
              names={names}
              openId={openId}
              now={now}
            />
            {openId && (
              <SupervisedConversation
                api={api}
                conversationId={openId}
                revision={work.revision}
                names={names}
                onDone={(done) => {
                  work.refresh();
                  navigate(href("supervisor"));
                  setNotice(done);
                }}
              />
            )}
          </div>
        </>
      )}
    </main>
  );
}

function QueuesTable({ overview, now }: { overview: Overview; now: number }) {
  const { t } = useI18n();
  return (
    <section class="sv-card" aria-labelledby="sv-queues">
      <h2 id="sv-queues">{t("supervisor.queues")}</h2>
      {overview.queues.length === 0 ? (
        <p class="sv-empty">{t("supervisor.queues.empty")}</p>
      ) : (
        <table class="sv-table">
          <thead>
            <tr>
              <th scope="col">{t("supervisor.col.queue")}</th>
              <th scope="col" class="sv-num">{t("supervisor.col.waiting")}</th>
              <th scope="col">{t("supervisor.col.oldest")}</th>
              <th scope="col" class="sv-num">{t("supervisor.col.active")}</th>
            </tr>
          </thead>
          <tbody>
            {overview.queues.map((queue) => (
              <tr key={queue.id}>
                <th scope="row">{queue.name}</th>
                <td class={queue.queued ? "sv-num sv-waiting" : "sv-num"}>
                  {queue.queuedMore ? t("supervisor.more", { count: queue.queued }) : queue.queued}
                </td>
                <td>
                  {queue.oldestQueuedAt ? duration(queue.oldestQueuedAt, now, t) : t("supervisor.none")}
                </td>
                <td class="sv-num">{queue.active}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function AgentsTable({ overview }: { overview: Overview }) {
  const { t } = useI18n();
  return (
    <section class="sv-card" aria-labelledby="sv-agents">
      <h2 id="sv-agents">{t("supervisor.agents")}</h2>
      {overview.agents.length === 0 ? (
        <p class="sv-empty">{t("supervisor.agents.empty")}</p>
      ) : (
        <table class="sv-table">
          <thead>
            <tr>
              <th scope="col">{t("supervisor.col.agent")}</th>
              <th scope="col">{t("supervisor.col.presence")}</th>
              <th scope="col">{t("supervisor.col.capacity")}</th>
            </tr>
          </thead>
          <tbody>
            {overview.agents.map((agent) => (
              <tr key={agent.id}>
                <th scope="row">{agent.name}</th>
                <td>
                  <span class={`presence-dot presence-${agent.shownPresence}`} aria-hidden="true" />{" "}
                  {t(PRESENCE[agent.shownPresence] ?? "presence.offline")}
                  {agent.disabled && <span class="sv-tag">{t("supervisor.disabled")}</span>}
                </td>
                <td>
                  {t("presence.capacity", {
                    used: agent.usedCapacity,
                    total: agent.capacity,
                    free: agent.freeCapacity,
                  })}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function ConversationsSection({
  conversations,
  overview,
  filters,
  setFilters,
  names,
  openId,
  now,
}: {
  conversations: Supervised[] | null;
  overview: Overview;
  filters: Filters;
  setFilters: (filters: Filters) => void;
  names: { queues: Map<string, string>; agents: Map<string, string> };
  openId: string | null;
  now: number;
}) {
  const { t } = useI18n();
  const ids = { queue: useId(), agent: useId(), state: useId() };
  const filtered = filters.queueId || filters.agentId || filters.state;
  const value = (event: Event) => (event.target as HTMLSelectElement).value;
  return (
    <section class="sv-card sv-conversations" aria-labelledby="sv-conversations">
      <h2 id="sv-conversations">{t("supervisor.conversations")}</h2>
      <div class="sv-filters" role="group" aria-label={t("supervisor.filters")}>
        <label for={ids.queue}>{t("supervisor.filter.queue")}</label>
        <select
          id={ids.queue}
          value={filters.queueId}
          onChange={(e) => setFilters({ ...filters, queueId: value(e) })}
        >
          <option value="">{t("supervisor.filter.allQueues")}</option>
          {overview.queues.map((q) => (
            <option key={q.id} value={q.id}>
              {q.name}
            </option>
          ))}
        </select>
        <label for={ids.agent}>{t("supervisor.filter.agent")}</label>
        <select
          id={ids.agent}
          value={filters.agentId}
          onChange={(e) => setFilters({ ...filters, agentId: value(e) })}
        >
          <option value="">{t("supervisor.filter.allAgents")}</option>
          {overview.agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
        <label for={ids.state}>{t("supervisor.filter.state")}</label>
        <select
          id={ids.state}
          value={filters.state}
          onChange={(e) => setFilters({ ...filters, state: value(e) as LiveState | "" })}
        >
          <option value="">{t("supervisor.filter.allStates")}</option>
          {LIVE_STATES.map((state) => (
            <option key={state} value={state}>
              {t(STATE[state])}
            </option>
          ))}
        </select>
      </div>
      {conversations === null ? (
        <p role="status" class="sv-note">
          {t("supervisor.loading")}
        </p>
      ) : conversations.length === 0 ? (
        <p class="sv-empty">
          {filtered ? t("supervisor.conversations.emptyFiltered") : t("supervisor.conversations.empty")}
        </p>
      ) : (
        <table class="sv-table sv-list">
          <thead>
            <tr>
              <th scope="col">{t("supervisor.col.customer")}</th>
              <th scope="col">{t("supervisor.col.queue")}</th>
              <th scope="col">{t("supervisor.col.agent")}</th>
              <th scope="col">{t("supervisor.col.state")}</th>
              <th scope="col">{t("supervisor.col.since")}</th>
              <th scope="col" class="sv-line">{t("supervisor.col.lastLine")}</th>
            </tr>
          </thead>
          <tbody>
            {conversations.map((c) => {
              const since = c.state === "open" ? c.enqueuedAt ?? c.createdAt : c.lastActivityAt;
              return (
                <tr key={c.id} aria-current={c.id === openId ? "true" : undefined}>
                  <th scope="row">
                    <a href={href("supervisor", c.id)} onClick={followLink}>
                      {customerLabel(c.customer, t("customer.wechatUser"))}
                    </a>
                  </th>
                  <td>{(c.queueId && names.queues.get(c.queueId)) || t("supervisor.none")}</td>
                  <td>
                    {c.agentId ? names.agents.get(c.agentId) ?? c.agentId : t("supervisor.unassigned")}
                  </td>
                  <td>
                    <span class={`cv-state cv-state-${c.state}`}>{t(STATE[c.state])}</span>
                  </td>
                  <td>{duration(since, now, t)}</td>
                  <td class="sv-line">{lineText(c.lastLine, t)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
