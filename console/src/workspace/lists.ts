// How the workspace's lists word a conversation: who, the last line, its state, how long it
// has waited. Pure, so that Vitest can check the words without a browser.

import type { components } from "../api/schema";
import type { MessageKey } from "../i18n/messages";

export type ListItem = components["schemas"]["AgentConversation"];
type LineSummary = components["schemas"]["LineSummary"];
type State = components["schemas"]["ConversationState"];
type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** Newest activity first; the id breaks ties so the order never flickers between polls. */
export function byLastActivity<T extends Pick<ListItem, "id" | "lastActivityAt">>(items: readonly T[]): T[] {
  return [...items].sort(
    (a, b) =>
      Date.parse(b.lastActivityAt) - Date.parse(a.lastActivityAt) || a.id.localeCompare(b.id),
  );
}

/** The customer's name (the account's remark on them) when there is one, else ``fallback``
 * ("WeChat user": WeChat no longer gives nicknames) with their openId to tell them apart. */
export function customerLabel(customer: ListItem["customer"], fallback?: string): string {
  const name = customer.name?.trim();
  if (name) return name;
  return fallback ? `${fallback} · ${customer.openId}` : customer.openId;
}

const KINDS: Record<string, MessageKey> = {
  image: "list.line.image",
  voice: "list.line.voice",
  video: "list.line.video",
  shortvideo: "list.line.video",
  location: "list.line.location",
  link: "list.line.link",
  file: "list.line.file",
  miniprogrampage: "list.line.miniProgram",
  msgmenu: "list.line.menu",
};

const EVENTS: Record<string, MessageKey> = {
  subscribe: "list.line.followed",
  unsubscribe: "list.line.unfollowed",
  click: "list.line.menu",
  view: "list.line.menu",
  scan: "list.line.scanned",
};

/** The last line in one line: its text, or a short word for what it was ("[Image]") with the
 * line's description (a file's name, a link's title…) after it when there is one. */
export function lineText(line: LineSummary | null | undefined, t: Translate): string {
  if (!line) return t("list.line.none");
  const text = line.text?.replace(/\s+/g, " ").trim() ?? "";
  if (line.type === "text") return text;
  const word =
    line.type === "event"
      ? t(EVENTS[(line.event ?? "").toLowerCase()] ?? "list.line.event")
      : t(KINDS[line.type] ?? "list.line.other");
  // A follow's or a menu tap's text is its event key: worth showing for a menu only.
  const detail = line.type === "event" && !["click", "view"].includes((line.event ?? "").toLowerCase()) ? "" : text;
  return detail ? `${word} ${detail}` : word;
}

const STATES: Record<State, MessageKey> = {
  open: "state.open",
  active: "state.active",
  waiting: "list.state.waiting",
  wrapup: "state.wrapup",
  closed: "state.closed",
};

export function stateLabel(state: State, t: Translate): string {
  return t(STATES[state]);
}

/** How long a conversation in the queue has waited: "Waiting 12 min". */
export function waitedFor(since: string | null | undefined, now: number, t: Translate): string {
  if (!since) return t("queue.waitingJustNow");
  const minutes = Math.floor((now - Date.parse(since)) / 60_000);
  if (!(minutes >= 1)) return t("queue.waitingJustNow");
  if (minutes < 60) return t("queue.waitingMinutes", { minutes });
  return t("queue.waitingHours", { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

const PICK_FAILURES: Record<string, MessageKey> = {
  taken: "queue.pickTaken",
  not_found: "queue.pickTaken",
  no_capacity: "queue.pickNoCapacity",
  presence: "queue.pickPresence",
};

/** Why Pick failed, from the API's error code (a network failure has none). */
export function pickFailure(code: string | undefined): MessageKey {
  return (code && PICK_FAILURES[code]) || "queue.pickFailed";
}
