import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import { followLink, href } from "../../router";
import type { PageProps } from "../../Shell";
import { type Problem, problemOf } from "../queues/apiError";
import { type Queue, useQueues } from "../queues/QueuesPage";
import { describeHeld } from "../skills";
import { AgentForm } from "./AgentForm";
import { meterClass } from "./capacity";
import "../queues/forms.css";

export type Agent = components["schemas"]["AgentView"];

/** A token just made, for the agent it belongs to; kept in memory only while that agent's
 * page is open. */
export interface FreshToken {
  agentId: string;
  name: string;
  token: string;
}

type Load =
  | { state: "loading" }
  | { state: "failed"; problem: Problem }
  | { state: "ready"; agents: Agent[] };

/** /console/agents: the list; /new: a new agent; /<id>: one agent, its token and access. */
export function AgentsPage({ api, path }: PageProps) {
  const [first] = path;
  const [revision, setRevision] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [fresh, setFresh] = useState<FreshToken | null>(null);
  const [queues] = useQueues(api);
  const [agents, setAgents] = useState<Load>({ state: "loading" });
  useEffect(() => {
    if (fresh && first !== fresh.agentId) setFresh(null); // shown once: gone when the page is left
    if (first) setNotice(null);
  }, [first]);
  useEffect(() => {
    if (first) return;
    let live = true;
    api.GET("/api/admin/agents").then(
      ({ data, error, response }) => {
        if (!live) return;
        setAgents(
          data
            ? { state: "ready", agents: data.agents }
            : { state: "failed", problem: problemOf(error, response.status) },
        );
      },
      () => live && setAgents({ state: "failed", problem: problemOf(undefined) }),
    );
    return () => {
      live = false;
    };
  }, [api, first, revision]);
  const allQueues = queues.state === "ready" ? queues.value : [];
  if (first) {
    return (
      <AgentForm
        key={first}
        api={api}
        agentId={first === "new" ? null : first}
        queues={allQueues}
        queuesLoaded={queues.state === "ready"}
        fresh={fresh && fresh.agentId === first ? fresh : null}
        onToken={setFresh}
        onDone={(text) => {
          setNotice(text);
          setRevision((n) => n + 1);
        }}
      />
    );
  }
  return (
    <AgentList
      agents={agents}
      queues={allQueues}
      notice={notice}
      retry={() => setRevision((n) => n + 1)}
    />
  );
}

function AgentList({
  agents,
  queues,
  notice,
  retry,
}: {
  agents: Load;
  queues: Queue[];
  notice: string | null;
  retry: () => void;
}) {
  const { t } = useI18n();
  const names = new Map(queues.map((q) => [q.id, q.name]));
  return (
    <main class="page">
      <div class="qa-header">
        <h1>{t("nav.agents")}</h1>
        <a class="qa-primary" href={href("agents", "new")} onClick={followLink}>
          {t("agents.new")}
        </a>
      </div>
      {notice && (
        <p class="qa-ok" role="status">
          {notice}
        </p>
      )}
      {agents.state === "loading" && (
        <p class="qa-state qa-muted" role="status">
          {t("agents.loading")}
        </p>
      )}
      {agents.state === "failed" && (
        <div class="qa-state" role="alert">
          <p class="qa-state-title">{t("agents.loadFailed")}</p>
          <p class="qa-state-hint">{agents.problem.message || t("agents.unavailable")}</p>
          <button type="button" class="qa-button" onClick={retry}>
            {t("agents.retry")}
          </button>
        </div>
      )}
      {agents.state === "ready" && !agents.agents.length && (
        <div class="qa-state">
          <p class="qa-state-title">{t("agents.empty")}</p>
          <p class="qa-state-hint">{t("agents.emptyHint")}</p>
          <a class="qa-primary" href={href("agents", "new")} onClick={followLink}>
            {t("agents.new")}
          </a>
        </div>
      )}
      {agents.state === "ready" && agents.agents.length > 0 && (
        <div class="qa-table-wrap">
          <table class="qa-table">
            <thead>
              <tr>
                <th scope="col">{t("agents.col.name")}</th>
                <th scope="col">{t("agents.col.role")}</th>
                <th scope="col">{t("agents.col.presence")}</th>
                <th scope="col">{t("agents.col.capacity")}</th>
                <th scope="col">{t("agents.col.queues")}</th>
              </tr>
            </thead>
            <tbody>
              {[...agents.agents]
                .sort((a, b) => a.name.localeCompare(b.name))
                .map((agent) => (
                  <tr key={agent.id}>
                    <td>
                      <a href={href("agents", agent.id)} onClick={followLink}>
                        {agent.name}
                      </a>
                      {agent.skills.length > 0 && (
                        <span class="qa-sub">{describeHeld(agent.skills)}</span>
                      )}
                    </td>
                    <td>
                      <span
                        class={
                          agent.role === "supervisor" ? "qa-badge qa-badge-supervisor" : "qa-muted"
                        }
                      >
                        {t(`agents.role.${agent.role}`)}
                      </span>
                    </td>
                    <td>
                      {agent.disabled ? (
                        <span class="qa-badge qa-badge-off">{t("agents.disabledBadge")}</span>
                      ) : (
                        <span class="qa-presence">
                          <span class={`qa-dot qa-dot-${agent.shownPresence}`} aria-hidden="true" />
                          {t(`presence.${agent.shownPresence}`)}
                        </span>
                      )}
                    </td>
                    <td>
                      {t("presence.capacity", {
                        used: agent.usedCapacity,
                        total: agent.capacity,
                        free: agent.freeCapacity,
                      })}
                      <span class="qa-meter" aria-hidden="true">
                        <span
                          class={`qa-meter-fill ${meterClass(agent.usedCapacity, agent.capacity)}`}
                        />
                      </span>
                    </td>
                    <td>
                      {agent.queueIds.length ? (
                        <span class="qa-chips">
                          {agent.queueIds.map((id) => (
                            <span key={id} class="qa-badge">
                              {names.get(id) ?? t("agents.unknownQueue", { id })}
                            </span>
                          ))}
                        </span>
                      ) : (
                        <span class="qa-muted">{t("agents.noQueues")}</span>
                      )}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </main>
  );
}
