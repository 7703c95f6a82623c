// What a timeline event says in the console: its kind in words and one line of detail, from
// the event's own fields (names looked up where the view knows them).

import type { components } from "../api/schema";
import type { MessageKey } from "../i18n/messages";

export type TimelineEvent = components["schemas"]["TimelineEventView"];
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;
export interface Names {
  queues: Map<string, string>;
  agents: Map<string, string>;
}

export const KIND: Record<TimelineEvent["kind"], MessageKey> = {
  received: "timeline.kind.received",
  duplicate: "timeline.kind.duplicate",
  filed: "timeline.kind.filed",
  bot_asked: "timeline.kind.bot_asked",
  bot_answered: "timeline.kind.bot_answered",
  bot_escalated: "timeline.kind.bot_escalated",
  bot_ended: "timeline.kind.bot_ended",
  routed: "timeline.kind.routed",
  overflow: "timeline.kind.overflow",
  offered: "timeline.kind.offered",
  picked: "timeline.kind.picked",
  assigned: "timeline.kind.assigned",
  transferred: "timeline.kind.transferred",
  sent: "timeline.kind.sent",
  closed: "timeline.kind.closed",
  survey_asked: "timeline.kind.survey_asked",
  survey_answered: "timeline.kind.survey_answered",
};

/** The line under the event's name: which rule and queue, which agent, which attempt. */
export function describeEvent(event: TimelineEvent, names: Names, t: Translate): string {
  const d = event.details;
  const queue = (id: string | null | undefined) => (id ? names.queues.get(id) ?? id : "");
  const agent = (id: string | null | undefined) => (id ? names.agents.get(id) ?? id : "");
  switch (event.kind) {
    case "received":
      return d.messageType ? t("timeline.detail.type", { type: d.messageType }) : "";
    case "duplicate":
      return t("timeline.detail.retries", { count: d.retries ?? 1 });
    case "routed":
      return d.rule
        ? t("timeline.detail.rule", { rule: d.rule, queue: queue(d.queueId) })
        : t("timeline.detail.fallback", { queue: queue(d.queueId) });
    case "overflow":
      return t("timeline.detail.overflow", { reason: d.reason ?? "", queue: queue(d.fromQueueId) });
    case "offered": {
      const who = agent(d.agentId);
      if (event.outcome === "declined") return t("timeline.detail.declined", { agent: who });
      if (event.outcome === "expired") return t("timeline.detail.expired", { agent: who });
      return t("timeline.detail.offered", { agent: who });
    }
    case "assigned":
    case "picked":
      return t("timeline.detail.agent", { agent: agent(d.agentId) || event.outcome || "" });
    case "transferred":
      return d.agentId
        ? t("timeline.detail.agent", { agent: agent(d.agentId) })
        : t("timeline.detail.queue", { queue: queue(d.queueId) });
    case "sent":
      return t("timeline.detail.attempt", {
        attempt: d.attempt ?? 1,
        sender: sender(d.sender, names, t),
      });
    case "closed":
      return d.reason ?? "";
    default:
      return d.text ?? "";
  }
}

/** Who a message was from: an agent by name, the bot, or the system's automated messages. */
function sender(value: string | null | undefined, names: Names, t: Translate): string {
  if (value?.startsWith("agent:")) {
    const id = value.slice("agent:".length);
    return names.agents.get(id) ?? id;
  }
  return value === "bot" ? t("timeline.sender.bot") : t("timeline.sender.system");
}

/** The outcome, when it says more than the detail line. */
export function outcomeOf(event: TimelineEvent): string {
  if (event.kind === "assigned" || event.kind === "picked" || event.kind === "routed") return "";
  if (event.kind === "offered") return "";
  return event.outcome ?? "";
}
