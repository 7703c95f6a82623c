import { describe, expect, it } from "vitest";

import { newWork, titleText, totalUnread } from "../src/workspace/attention";

describe("new work", () => {
  const before = [
    { id: "a", unread: 0 },
    { id: "b", unread: 2 },
  ];

  it("is nothing on the first load", () => {
    expect(newWork(null, before)).toEqual([]);
  });

  it("is a conversation not there before, or one with more unread lines", () => {
    const after = [
      { id: "a", unread: 1 },
      { id: "b", unread: 2 },
      { id: "c", unread: 0 },
    ];
    expect(newWork(before, after).map((item) => item.id)).toEqual(["a", "c"]);
  });

  it("is not a conversation read, gone or unchanged", () => {
    expect(newWork(before, [{ id: "b", unread: 0 }])).toEqual([]);
    expect(newWork(before, [])).toEqual([]);
    expect(newWork(before, before)).toEqual([]);
  });
});

describe("the title badge", () => {
  it("counts the unread lines while the tab is hidden", () => {
    expect(totalUnread([{ id: "a", unread: 2 }, { id: "b", unread: 3 }])).toBe(5);
    expect(titleText("WeChat contact center", true, 5)).toBe("(5) WeChat contact center");
  });

  it("is the plain title when visible or when nothing is unread", () => {
    expect(titleText("微信客服中心", false, 5)).toBe("微信客服中心");
    expect(titleText("微信客服中心", true, 0)).toBe("微信客服中心");
  });
});
