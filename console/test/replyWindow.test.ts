import { describe, expect, it } from "vitest";

import { translate } from "../src/i18n/messages";
import { describeWindow, windowOpen } from "../src/replyWindow";

const now = Date.parse("2026-12-02T10:00:00Z");
const later = (minutes: number) => new Date(now + minutes * 60_000).toISOString();
const en = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
  translate("en", key, values);
const zh = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
  translate("zh-CN", key, values);

describe("the reply window", () => {
  it("reads as hours, minutes and messages left", () => {
    expect(describeWindow({ expiresAt: later(47 * 60 + 12), messagesLeft: 3 }, now, en)).toBe(
      "47 h 12 min left · 3 messages left",
    );
    expect(describeWindow({ expiresAt: later(47 * 60 + 12), messagesLeft: 3 }, now, zh)).toBe(
      "剩余 47 小时 12 分钟 · 还可发送 3 条消息",
    );
  });

  it("drops the hours under an hour and says one message in the singular", () => {
    expect(describeWindow({ expiresAt: later(9.5), messagesLeft: 1 }, now, en)).toBe(
      "9 min left · 1 message left",
    );
  });

  it("is closed when the time or the messages run out", () => {
    expect(windowOpen({ expiresAt: later(-1), messagesLeft: 3 }, now)).toBe(false);
    expect(windowOpen({ expiresAt: null, messagesLeft: 5 }, now)).toBe(false);
    expect(windowOpen({ expiresAt: later(5), messagesLeft: 0 }, now)).toBe(false);
    expect(windowOpen({ expiresAt: later(5), messagesLeft: 2 }, now)).toBe(true);
    expect(describeWindow({ expiresAt: later(-1), messagesLeft: 3 }, now, en)).toBe(
      "Reply window closed",
    );
    expect(describeWindow({ expiresAt: later(5), messagesLeft: 0 }, now, en)).toBe(
      "No messages left in this reply window",
    );
  });
});
