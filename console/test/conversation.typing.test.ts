import { describe, expect, it } from "vitest";

import { TypingReporter } from "../src/conversation/typing";

function reporter() {
  let now = 0;
  const sent: boolean[] = [];
  const typing = new TypingReporter((value) => sent.push(value), () => now, 5000);
  return { typing, sent, advance: (ms: number) => (now += ms) };
}

describe("TypingReporter", () => {
  it("reports typing once, then at most every 5 s while the agent writes", () => {
    const { typing, sent, advance } = reporter();
    typing.input("h");
    typing.input("he");
    advance(4999);
    typing.input("hel");
    expect(sent).toEqual([true]);
    advance(1);
    typing.input("hell");
    expect(sent).toEqual([true, true]);
  });

  it("reports stopped when the box is cleared or the reply sent, and only then", () => {
    const { typing, sent } = reporter();
    typing.stopped();
    typing.input("   ");
    expect(sent).toEqual([]);
    typing.input("hi");
    typing.input("");
    typing.input("");
    expect(sent).toEqual([true, false]);
    typing.input("again");
    typing.stopped();
    typing.stopped();
    expect(sent).toEqual([true, false, true, false]);
  });
});
