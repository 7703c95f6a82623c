import { describe, expect, it } from "vitest";

import { translate } from "../src/i18n/messages";
import {
  byLastActivity,
  customerLabel,
  lineText,
  pickFailure,
  stateLabel,
  waitedFor,
} from "../src/workspace/lists";

type Key = Parameters<typeof translate>[1];
const en = (key: Key, values?: Record<string, string | number>) => translate("en", key, values);
const zh = (key: Key, values?: Record<string, string | number>) => translate("zh-CN", key, values);
const line = (type: string, text: string | null, event: string | null = null) => ({
  id: "l1",
  conversationId: "c1",
  createdAt: "2026-12-02T10:00:00Z",
  direction: "in" as const,
  type,
  event,
  text,
});

describe("the conversation list", () => {
  it("puts the newest activity first, ties by id", () => {
    const items = [
      { id: "b", lastActivityAt: "2026-12-02T10:00:00Z" },
      { id: "c", lastActivityAt: "2026-12-02T11:00:00Z" },
      { id: "a", lastActivityAt: "2026-12-02T10:00:00.000Z" },
    ];
    expect(byLastActivity(items).map((item) => item.id)).toEqual(["c", "a", "b"]);
    expect(items.map((item) => item.id)).toEqual(["b", "c", "a"]);
  });

  it("names the customer by profile name, else openId", () => {
    expect(customerLabel({ name: "林晓梅", openId: "o1" })).toBe("林晓梅");
    expect(customerLabel({ name: null, openId: "oAbc" })).toBe("oAbc");
    expect(customerLabel({ name: "  ", openId: "oAbc" })).toBe("oAbc");
  });

  it("names a customer without a remark as a WeChat user", () => {
    expect(customerLabel({ name: null, openId: "oAbc" }, en("customer.wechatUser"))).toBe(
      "WeChat user · oAbc",
    );
    expect(customerLabel({ name: "王女士", openId: "oAbc" }, "微信用户")).toBe("王女士");
    expect(translate("zh-CN", "customer.wechatUser")).toBe("微信用户");
  });

  it("shows a text line as it is, on one line, Chinese and emoji intact", () => {
    expect(lineText(line("text", "你好 👋\n我要退款"), en)).toBe("你好 👋 我要退款");
  });

  it("says what a non-text line was, with its description", () => {
    expect(lineText(line("image", null), en)).toBe("[Image]");
    expect(lineText(line("image", null), zh)).toBe("[图片]");
    expect(lineText(line("voice", "我想查订单"), en)).toBe("[Voice] 我想查订单");
    expect(lineText(line("file", "invoice.pdf"), en)).toBe("[File] invoice.pdf");
    expect(lineText(line("location", "Guangzhou"), en)).toBe("[Location] Guangzhou");
    expect(lineText(line("shortvideo", null), en)).toBe("[Video]");
    expect(lineText(line("something-new", null), en)).toBe("[Message]");
  });

  it("words events, with the menu key for a menu tap only", () => {
    expect(lineText(line("event", null, "subscribe"), en)).toBe("[Followed the account]");
    expect(lineText(line("event", "qrscene_42", "subscribe"), en)).toBe("[Followed the account]");
    expect(lineText(line("event", "REFUND", "CLICK"), en)).toBe("[Menu] REFUND");
    expect(lineText(line("event", null, "LOCATION"), en)).toBe("[Event]");
  });

  it("has a word for no line at all", () => {
    expect(lineText(null, en)).toBe("No messages yet");
  });

  it("labels the states", () => {
    expect(stateLabel("active", en)).toBe("Active");
    expect(stateLabel("waiting", en)).toBe("Waiting");
    expect(stateLabel("wrapup", en)).toBe("Wrap-up");
    expect(stateLabel("wrapup", zh)).toBe("收尾中");
  });
});

describe("open work", () => {
  const now = Date.parse("2026-12-02T10:00:00Z");
  const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

  it("says how long a conversation has waited", () => {
    expect(waitedFor(ago(0.5), now, en)).toBe("Waiting under a minute");
    expect(waitedFor(ago(12), now, en)).toBe("Waiting 12 min");
    expect(waitedFor(ago(75), now, en)).toBe("Waiting 1 h 15 min");
    expect(waitedFor(ago(75), now, zh)).toBe("已等待 1 小时 15 分钟");
    expect(waitedFor(null, now, en)).toBe("Waiting under a minute");
    expect(waitedFor(ago(-3), now, en)).toBe("Waiting under a minute");
  });
});

describe("a failed Pick", () => {
  it("says why, from the API's error code", () => {
    expect(en(pickFailure("no_capacity"))).toBe(
      "You have no free capacity: close or park a conversation first.",
    );
    expect(pickFailure("taken")).toBe("queue.pickTaken");
    expect(pickFailure("presence")).toBe("queue.pickPresence");
    expect(pickFailure(undefined)).toBe("queue.pickFailed");
    expect(pickFailure("something_else")).toBe("queue.pickFailed");
  });
});
