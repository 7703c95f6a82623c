import { describe, expect, it } from "vitest";

import { MAX_REMARK_CHARS, MAX_TAGS, tagName } from "../src/conversation/CustomerPanel";

describe("the customer panel", () => {
  it("names a tag when the account's list is known, else shows its id", () => {
    const tags = [{ id: 100, name: "VIP", count: 3 }];
    expect(tagName(100, tags)).toBe("VIP");
    expect(tagName(101, tags)).toBe("101");
    expect(tagName(100, null)).toBe("100");
  });

  it("keeps to WeChat's limits", () => {
    expect([MAX_REMARK_CHARS, MAX_TAGS]).toEqual([30, 20]);
  });
});
