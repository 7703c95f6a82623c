// What each transcript line is, and how its status reads. Kept apart from the components so
// the rules (who said it, what it carries, why it failed) are tested without a browser.

import type { components } from "../api/schema";
import type { MessageKey } from "../i18n/messages";

export type MessageView = components["schemas"]["MessageView"];
type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

/** Who a line is from: the customer (a message or an event), the bot, the workstream's
 * automated messages, or an agent. */
export type LineKind = "customer" | "event" | "bot" | "automated" | "agent";

export function lineKind(message: MessageView): LineKind {
  if (message.direction === "in") return message.type === "event" ? "event" : "customer";
  if (message.sender === "bot") return "bot";
  if (message.sender === "system" || typeof message.details.automated === "string") {
    return "automated";
  }
  return "agent";
}

/** What a line carries, with the fields its rendering needs. */
export type LineContent =
  | { kind: "text"; text: string }
  | { kind: "image" }
  | { kind: "voice"; recognition: string | null }
  | { kind: "video" }
  | { kind: "file"; filename: string }
  | { kind: "location"; latitude: number; longitude: number; label: string }
  | { kind: "link"; title: string; description: string; url: string }
  | { kind: "miniprogram"; title: string; appId: string; pagePath: string }
  | { kind: "notKept" }
  | { kind: "template"; title: string; lines: string[] }
  | { kind: "other"; type: string; text: string | null }
  | RichContent;

/** The push's own fields (inbound lines only; see shared/model/conversations.py ``push_fields``). */
function pushFields(message: MessageView): Record<string, unknown> {
  const fields = message.details.fields;
  return fields && typeof fields === "object" ? (fields as Record<string, unknown>) : {};
}

function str(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** A map of a shared location, as a plain link the agent may click (nothing is loaded until
 * then: the console's CSP allows no external resources). Null when the coordinates are not
 * a place on Earth. WeChat's Location_X is the latitude, Location_Y the longitude. */
export function mapUrl(latitude: number, longitude: number, label: string): string | null {
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return null;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return null;
  const url = new URL("https://uri.amap.com/marker");
  url.searchParams.set("position", `${longitude},${latitude}`);
  if (label) url.searchParams.set("name", label);
  return url.href;
}

/** A link is shown only when it is http(s): a push can carry any text as its Url. */
export function safeUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** What the agent sent beyond text and files (shared/desk/workspace.py keeps their fields in
 * ``details``): a video's title, a news article, a mini-program card. */
export type RichContent =
  | { kind: "sentVideo"; title: string; description: string }
  | { kind: "news"; title: string; description: string; url: string; picUrl: string }
  | { kind: "miniProgram"; title: string; appId: string; pagePath: string };

function record(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

export function richContent(message: MessageView): RichContent | null {
  const details = message.details;
  if (message.type === "video" && details.video) {
    const video = record(details.video);
    return { kind: "sentVideo", title: str(video.title), description: str(video.description) };
  }
  if (message.type === "news") {
    const news = record(details.news);
    return {
      kind: "news",
      title: str(news.title) || (message.text ?? ""),
      description: str(news.description),
      url: str(news.url),
      picUrl: str(news.picUrl),
    };
  }
  if (message.type === "miniprogrampage") {
    const card = record(details.miniProgramPage);
    return {
      kind: "miniProgram",
      title: str(card.title) || (message.text ?? ""),
      appId: str(card.appId),
      pagePath: str(card.pagePath),
    };
  }
  return null;
}

export function lineContent(message: MessageView): LineContent {
  const fields = pushFields(message);
  const hasFile = message.attachment != null;
  if (message.direction === "in" && !hasFile && typeof message.details.placeholder === "string") {
    return { kind: "notKept" };
  }
  const rich = message.direction === "out" ? richContent(message) : null;
  if (rich) return rich;
  switch (message.type) {
    case "text":
      return { kind: "text", text: message.text ?? "" };
    case "image":
      return { kind: "image" };
    case "voice": {
      const recognition = str(fields.recognition) || null;
      return { kind: "voice", recognition };
    }
    case "video":
    case "shortvideo":
      return { kind: "video" };
    case "file":
      return { kind: "file", filename: message.attachment?.filename ?? message.text ?? "" };
    case "location":
      return {
        kind: "location",
        latitude: Number(fields.location_x),
        longitude: Number(fields.location_y),
        label: str(fields.label),
      };
    case "link":
      return {
        kind: "link",
        title: str(fields.title),
        description: str(fields.description),
        url: str(fields.url),
      };
    case "miniprogrampage":
      return {
        kind: "miniprogram",
        title: str(fields.title),
        appId: str(fields.app_id),
        pagePath: str(fields.page_path),
      };
    case "template": {
      const [title = "", ...lines] = (message.text ?? "").split("\n");
      return { kind: "template", title, lines };
    }
    default:
      return { kind: "other", type: message.type, text: message.text };
  }
}

/** The catalogue's words for an event the customer caused (follow, menu click, scan …). */
export function eventText(message: MessageView, t: Translate): string {
  const fields = pushFields(message);
  const key = str(fields.event_key);
  switch (message.event) {
    case "subscribe":
      return t("transcript.event.subscribe");
    case "unsubscribe":
      return t("transcript.event.unsubscribe");
    case "click":
      return t("transcript.event.click", { key });
    case "view":
      return t("transcript.event.view", { url: key });
    case "scan":
      return t("transcript.event.scan", { key });
    case "location":
      return t("transcript.event.location", {
        latitude: String(fields.latitude ?? ""),
        longitude: String(fields.longitude ?? ""),
      });
    default:
      return t("transcript.event.other", { event: message.event ?? message.type });
  }
}

/** Why a customer's media is missing: the media step's record of WeChat's refusal
 * (``details.attachmentError``, shared/pipeline/media.py), or null while it may still come. */
export function attachmentError(message: MessageView): string | null {
  const reason = message.details.attachmentError;
  return typeof reason === "string" && reason ? reason : null;
}

/** WeChat errcodes whose meaning an agent can act on, worded in the catalogue. */
const ERRCODES: Record<number, MessageKey> = {
  45015: "transcript.errcode.45015",
  45047: "transcript.errcode.45047",
  43004: "transcript.errcode.43004",
  40003: "transcript.errcode.40003",
  45002: "transcript.errcode.45002",
  45001: "transcript.errcode.tooLarge",
  40006: "transcript.errcode.tooLarge",
  50002: "transcript.errcode.50002",
  43101: "transcript.errcode.43101",
  45009: "transcript.errcode.45009",
  40037: "transcript.errcode.40037",
  47003: "transcript.errcode.47003",
};

/** Why a reply failed: WeChat's errcode as the catalogue words it when known, else the
 * reason the send step recorded (``details.reason``, see shared/pipeline/outbound.py). */
export function failureReason(details: Record<string, unknown>, t: Translate): string {
  const errcode = typeof details.errcode === "number" ? details.errcode : null;
  const known = errcode !== null ? ERRCODES[errcode] : undefined;
  if (known) return t(known);
  const reason = str(details.reason);
  if (reason) return reason;
  return t("transcript.failedUnknown");
}

export type Delivery = "queued" | "sent" | "failed";

/** The three states an agent sees; "sending" is still on its way, so it reads as Queued. */
export function delivery(message: MessageView): Delivery | null {
  if (message.direction !== "out") return null;
  if (message.status === "sent") return "sent";
  if (message.status === "failed") return "failed";
  return "queued";
}

/** "Queued", "Sent" or "Failed: {reason}". */
export function statusText(message: MessageView, t: Translate): string | null {
  const template = message.type === "template";
  switch (delivery(message)) {
    case "sent":
      if (template && message.details.delivery === "success") {
        return t("transcript.status.delivered");
      }
      return t("transcript.status.sent");
    case "failed":
      if (template && message.details.ambiguous === true) {
        return t("transcript.status.failed", { reason: t("transcript.template.ambiguous") });
      }
      if (template && typeof message.details.delivery === "string") {
        return t("transcript.status.failed", { reason: t("transcript.template.notDelivered") });
      }
      return t("transcript.status.failed", { reason: failureReason(message.details, t) });
    case "queued":
      return t("transcript.status.queued");
    default:
      return null;
  }
}

/** The customer's last line (a message or an event: the server counts both as unread), to
 * mark the conversation read up to. */
export function lastCustomerLineId(messages: readonly MessageView[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message && message.direction === "in") return message.id;
  }
  return null;
}

/** Lines in order with the ones the console added itself (a reply's 202 answer) that the
 * server's transcript does not have yet. */
export function mergeLines(server: readonly MessageView[], local: readonly MessageView[]) {
  const known = new Set(server.map((m) => m.id));
  const extra = local.filter((m) => !known.has(m.id));
  return [...server, ...extra].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
