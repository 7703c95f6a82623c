// WeChat lets an account answer a customer for 48 hours after the customer's last message, and
// only a few messages in that time. Agents see both limits on every conversation, worded here
// once for the list and the conversation alike.

import type { MessageKey } from "./i18n/messages";

export interface ReplyWindow {
  expiresAt?: string | null;
  messagesLeft: number;
}

type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** Whether a reply can still go out through the customer-service API at ``now``. */
export function windowOpen(window: ReplyWindow, now: number): boolean {
  if (!window.expiresAt || window.messagesLeft <= 0) return false;
  return Date.parse(window.expiresAt) > now;
}

/** "47 h 12 min left · 3 messages left", or why the window is closed. */
export function describeWindow(window: ReplyWindow, now: number, t: Translate): string {
  if (!window.expiresAt || Date.parse(window.expiresAt) <= now) return t("window.expired");
  if (window.messagesLeft <= 0) return t("window.noMessagesLeft");
  const minutes = Math.max(1, Math.floor((Date.parse(window.expiresAt) - now) / 60_000));
  const hours = Math.floor(minutes / 60);
  const time = hours
    ? t("window.hoursMinutes", { hours, minutes: minutes % 60 })
    : t("window.minutes", { minutes });
  const messages =
    window.messagesLeft === 1
      ? t("window.oneMessage")
      : t("window.messages", { count: window.messagesLeft });
  return t("window.open", { time, messages });
}
