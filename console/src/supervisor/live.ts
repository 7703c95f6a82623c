// The supervisor's view as plain logic: how long something has waited, the filters as the
// API's query, and a poll of GET /api/supervisor/changes in the change feed's terms.

import type { MessageKey } from "../i18n/messages";
import type { PollResult } from "../workspace/feed";

type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export type LiveState = "open" | "active" | "waiting" | "wrapup";
export const LIVE_STATES: LiveState[] = ["open", "active", "waiting", "wrapup"];

export interface Filters {
  queueId: string;
  agentId: string;
  state: LiveState | "";
}
export const NO_FILTERS: Filters = { queueId: "", agentId: "", state: "" };

/** "under a minute", "12 min", "2 h 5 min", "3 d 4 h": how long since ``sinceIso``. */
export function duration(sinceIso: string, now: number, t: Translate): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(sinceIso)) / 60_000));
  if (minutes < 1) return t("supervisor.duration.now");
  if (minutes < 60) return t("supervisor.duration.minutes", { minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("supervisor.duration.hours", { hours, minutes: minutes % 60 });
  return t("supervisor.duration.days", { days: Math.floor(hours / 24), hours: hours % 24 });
}

/** The filters that are set, as ``GET /api/supervisor/conversations`` takes them. */
export function conversationsQuery(filters: Filters): Partial<Filters> {
  const query: Partial<Filters> = {};
  if (filters.queueId) query.queueId = filters.queueId;
  if (filters.agentId) query.agentId = filters.agentId;
  if (filters.state) query.state = filters.state;
  return query;
}

/** A poll's answer: any change means the view fetches everything it shows again (one
 * overview and one list), so every change is reported as the one topic "agent". */
export function pollResult(
  status: number,
  data: { cursor: string; changed: readonly string[] } | undefined,
): PollResult {
  if (status === 204) return { kind: "unchanged" };
  if (data) return { kind: "changes", cursor: data.cursor, changed: data.changed.length ? ["agent"] : [] };
  if (status === 400) return { kind: "badCursor" };
  return { kind: "failed" };
}
