import { describe, expect, it } from "vitest";

import { translate } from "../src/i18n/messages";
import { replyBlocked } from "../src/conversation/capabilities";
import {
  attachmentError,
  delivery,
  eventText,
  failureReason,
  lastCustomerLineId,
  lineContent,
  lineKind,
  mapUrl,
  type MessageView,
  mergeLines,
  safeUrl,
  statusText,
} from "../src/conversation/lines";

const en = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
  translate("en", key, values);
const zh = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
  translate("zh-CN", key, values);

function line(fields: Partial<MessageView>): MessageView {
  return {
    id: "1764669600-m00000000000000000001",
    direction: "in",
    type: "text",
    event: null,
    text: null,
    mediaId: null,
    msgId: null,
    createdAt: "2026-12-02T10:00:00Z",
    receivedAt: "2026-12-02T10:00:00Z",
    details: {},
    status: null,
    sender: null,
    attachment: null,
    thumbnail: null,
    ...fields,
  };
}

describe("who a line is from", () => {
  it("tells the customer's messages from their events", () => {
    expect(lineKind(line({ type: "text" }))).toBe("customer");
    expect(lineKind(line({ type: "image" }))).toBe("customer");
    expect(lineKind(line({ type: "event", event: "subscribe" }))).toBe("event");
  });

  it("tells the bot, automated messages and agents apart", () => {
    expect(lineKind(line({ direction: "out", sender: "bot" }))).toBe("bot");
    expect(lineKind(line({ direction: "out", sender: "system" }))).toBe("automated");
    expect(
      lineKind(line({ direction: "out", sender: null, details: { automated: "greeting" } })),
    ).toBe("automated");
    expect(lineKind(line({ direction: "out", sender: "agent:a1" }))).toBe("agent");
  });
});

describe("what a line carries", () => {
  it("keeps text byte-exact, newlines and emoji included", () => {
    const text = "您好 👋\n第二行";
    expect(lineContent(line({ text }))).toEqual({ kind: "text", text });
  });

  it("reads voice recognition, location and links from the push's fields", () => {
    expect(
      lineContent(line({ type: "voice", details: { fields: { recognition: "我要退款" } } })),
    ).toEqual({ kind: "voice", recognition: "我要退款" });
    expect(lineContent(line({ type: "voice" }))).toEqual({ kind: "voice", recognition: null });
    expect(
      lineContent(
        line({
          type: "location",
          details: { fields: { location_x: 23.134521, location_y: 113.358803, label: "广州塔" } },
        }),
      ),
    ).toEqual({ kind: "location", latitude: 23.134521, longitude: 113.358803, label: "广州塔" });
    expect(
      lineContent(
        line({
          type: "link",
          details: { fields: { title: "订单", description: "详情", url: "https://example.com/a" } },
        }),
      ),
    ).toEqual({ kind: "link", title: "订单", description: "详情", url: "https://example.com/a" });
  });

  it("names files by their attachment and says when a customer's file was not kept", () => {
    const attachment = {
      url: "/x",
      contentType: "application/pdf",
      size: 3,
      sha256: "0",
      filename: "发票.pdf",
    };
    expect(lineContent(line({ direction: "out", type: "file", attachment }))).toEqual({
      kind: "file",
      filename: "发票.pdf",
    });
    expect(lineContent(line({ type: "image", details: { placeholder: "not kept" } }))).toEqual({
      kind: "notKept",
    });
    expect(lineContent(line({ type: "shortvideo" }))).toEqual({ kind: "video" });
    expect(lineContent(line({ type: "unknowntype", text: "新类型" }))).toEqual({
      kind: "other",
      type: "unknowntype",
      text: "新类型",
    });
  });

  it("says why a customer's media is missing once the media step gave up", () => {
    expect(attachmentError(line({ type: "voice" }))).toBeNull();
    expect(
      attachmentError(line({ type: "voice", details: { attachmentError: "WeChat does not know this media_id" } })),
    ).toBe("WeChat does not know this media_id");
  });

  it("opens only http(s) links", () => {
    expect(safeUrl("https://example.com/a?b=1")).toBe("https://example.com/a?b=1");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
  });

  it("words events in both languages", () => {
    const click = line({ type: "event", event: "click", details: { fields: { event_key: "REFUND" } } });
    expect(eventText(click, en)).toBe("Menu click: REFUND");
    expect(eventText(click, zh)).toBe("点击菜单：REFUND");
    expect(eventText(line({ type: "event", event: "subscribe" }), en)).toBe(
      "The customer followed the account",
    );
    expect(eventText(line({ type: "event", event: "kf_close_session" }), en)).toBe(
      "Event: kf_close_session",
    );
  });
});

describe("a reply's status", () => {
  const out = (status: string | null, details: Record<string, unknown> = {}) =>
    line({ direction: "out", sender: "agent:a1", status, details });

  it("reads Queued while queued or on its way, Sent once sent", () => {
    expect(statusText(out("queued"), en)).toBe("Queued");
    expect(statusText(out("sending"), en)).toBe("Queued");
    expect(statusText(out("sent"), en)).toBe("Sent");
    expect(statusText(out("sent"), zh)).toBe("已发送");
    expect(delivery(line({}))).toBeNull();
    expect(statusText(line({}), en)).toBeNull();
  });

  it("gives WeChat's errcode meaning when known, else the recorded reason", () => {
    expect(statusText(out("failed", { errcode: 45015, reason: "x" }), en)).toBe(
      "Failed: the reply window has closed (WeChat 45015): the customer must write again first",
    );
    expect(statusText(out("failed", { errcode: 45047, reason: "x" }), en)).toContain(
      "too many messages in the window",
    );
    expect(statusText(out("failed", { errcode: 45015 }), zh)).toBe(
      "发送失败：回复窗口已关闭（微信 45015），需等客户再次发来消息",
    );
    expect(failureReason({ errcode: 99999, reason: "WeChat refused it (99999)" }, en)).toBe(
      "WeChat refused it (99999)",
    );
    expect(failureReason({ reason: "the WeChat account has been deleted" }, en)).toBe(
      "the WeChat account has been deleted",
    );
    expect(failureReason({}, en)).toBe("no reason was recorded");
  });
});

describe("reading and merging", () => {
  it("marks read up to the customer's last line, events included", () => {
    const lines = [
      line({ id: "1-m1" }),
      line({ id: "2-eclick", type: "event", event: "click" }),
      line({ id: "3-o1", direction: "out" }),
    ];
    expect(lastCustomerLineId(lines)).toBe("2-eclick");
    expect(lastCustomerLineId([line({ id: "3-o1", direction: "out" })])).toBeNull();
  });

  it("adds a just-sent reply until the transcript has it, the server's copy winning", () => {
    const queued = line({ id: "5-o1", direction: "out", status: "queued" });
    const sent = { ...queued, status: "sent" };
    const first = line({ id: "4-m1" });
    expect(mergeLines([first], [queued]).map((m) => m.id)).toEqual(["4-m1", "5-o1"]);
    expect(mergeLines([first, sent], [queued])).toEqual([first, sent]);
  });
});

describe("why the reply box is off", () => {
  it("says nothing when replying is allowed, and why not otherwise", () => {
    expect(replyBlocked(true, "active")).toBeNull();
    expect(replyBlocked(false, "wrapup")).toBe("reply.blocked.wrapup");
    expect(replyBlocked(false, "closed")).toBe("reply.blocked.closed");
    expect(replyBlocked(false, "open")).toBe("reply.blocked.open");
    expect(replyBlocked(false, "active")).toBe("reply.blocked.other");
  });
});

describe("cards of location and Mini Program lines", () => {
  it("reads a Mini Program page's title, AppID and page path", () => {
    expect(
      lineContent(
        line({
          type: "miniprogrampage",
          details: {
            fields: { title: "订单详情", app_id: "wx0123456789abcdef", page_path: "pages/o?id=9" },
          },
        }),
      ),
    ).toEqual({
      kind: "miniprogram",
      title: "订单详情",
      appId: "wx0123456789abcdef",
      pagePath: "pages/o?id=9",
    });
    expect(lineContent(line({ type: "miniprogrampage" }))).toEqual({
      kind: "miniprogram",
      title: "",
      appId: "",
      pagePath: "",
    });
  });

  it("links a location to a map only for coordinates on Earth, longitude first", () => {
    const url = mapUrl(31.2304, 121.4737, "上海 外滩&x");
    expect(url).not.toBeNull();
    const parsed = new URL(url!);
    expect(parsed.protocol).toBe("https:");
    expect(parsed.searchParams.get("position")).toBe("121.4737,31.2304");
    expect(parsed.searchParams.get("name")).toBe("上海 外滩&x");
    expect(mapUrl(Number.NaN, 1, "")).toBeNull();
    expect(mapUrl(91, 0, "")).toBeNull();
    expect(mapUrl(0, 181, "")).toBeNull();
  });
});
