import { describe, expect, it } from "vitest";

import type { MessageView } from "../src/conversation/lines";
import { tapMenuOf } from "../src/conversation/tapMenus";

const line = (details: Record<string, unknown>, type = "msgmenu") =>
  ({ id: "1", direction: "out", type, createdAt: "", receivedAt: "", details }) as unknown as MessageView;

describe("a tap-to-reply menu line", () => {
  const menu = {
    headContent: "Solved?",
    options: [
      { id: "101", content: "Yes" },
      { id: "102", content: "No" },
    ],
    tailContent: "",
  };

  it("shows its options and no answer until the customer taps one", () => {
    expect(tapMenuOf(line({ menu }))).toEqual({ head: "Solved?", options: menu.options, tail: "", answer: null });
  });

  it("shows the answer the customer tapped", () => {
    const answered = { ...menu, answer: { optionId: "102", content: "No", entryKey: "k" } };
    expect(tapMenuOf(line({ menu: answered }))?.answer).toEqual({ optionId: "102", content: "No" });
  });

  it("is not a menu for other lines or broken details", () => {
    expect(tapMenuOf(line({ menu }, "text"))).toBeNull();
    expect(tapMenuOf(line({}))).toBeNull();
    expect(tapMenuOf(line({ menu: { options: [{ id: 1 }] } }))?.options).toEqual([]);
  });
});
