// Why the reply box is off, worded from what the API says the agent may do now.

import type { components } from "../api/schema";
import type { MessageKey } from "../i18n/messages";

type State = components["schemas"]["ConversationState"];

/** None when the agent may reply; else the catalogue key that says why not. */
export function replyBlocked(canReply: boolean, state: State): MessageKey | null {
  if (canReply) return null;
  if (state === "open") return "reply.blocked.open";
  if (state === "wrapup") return "reply.blocked.wrapup";
  if (state === "closed") return "reply.blocked.closed";
  return "reply.blocked.other";
}
