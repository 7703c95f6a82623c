import { describe, expect, it } from "vitest";

import { replyKeyAction } from "../src/conversation/keys";

describe("a key in the reply box", () => {
  it("sends on Enter and leaves Shift+Enter to make a new line", () => {
    expect(replyKeyAction({ key: "Enter", shiftKey: false, isComposing: false })).toBe("send");
    expect(replyKeyAction({ key: "Enter", shiftKey: true, isComposing: false })).toBe("newline");
  });

  it("never sends while an input method is composing", () => {
    expect(replyKeyAction({ key: "Enter", shiftKey: false, isComposing: true })).toBe("none");
    expect(
      replyKeyAction({ key: "Enter", shiftKey: false, isComposing: false, keyCode: 229 }),
    ).toBe("none");
  });

  it("ignores other keys", () => {
    expect(replyKeyAction({ key: "a", shiftKey: false, isComposing: false })).toBe("none");
  });
});
