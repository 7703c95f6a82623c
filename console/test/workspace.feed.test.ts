import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import {
  type FeedState,
  initialFeed,
  MAX_BACKOFF,
  POLL_EVERY,
  type PollResult,
  runFeed,
  step,
} from "../src/workspace/feed";

const changes = (cursor: string, ...changed: string[]): PollResult => ({
  kind: "changes",
  cursor,
  changed,
});

describe("the change feed's steps", () => {
  it("loads everything on the first cursor", () => {
    const first = step(initialFeed, changes("c1"));
    expect(first).toEqual({
      state: { cursor: "c1", failures: 0 },
      refetch: ["agent", "waiting"],
      delay: POLL_EVERY,
      reconnecting: false,
    });
  });

  it("refetches only what changed, and nothing on 204", () => {
    const state: FeedState = { cursor: "c1", failures: 0 };
    expect(step(state, changes("c2", "waiting")).refetch).toEqual(["waiting"]);
    expect(step(state, changes("c2", "agent", "supervised")).refetch).toEqual(["agent"]);
    expect(step(state, changes("c2", "supervised")).refetch).toEqual([]);
    expect(step(state, { kind: "unchanged" })).toEqual({
      state,
      refetch: [],
      delay: POLL_EVERY,
      reconnecting: false,
    });
  });

  it("backs off on failures, doubling up to a limit, and says it is reconnecting", () => {
    let state: FeedState = { cursor: "c1", failures: 0 };
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const next = step(state, { kind: "failed" });
      expect(next.reconnecting).toBe(true);
      expect(next.state.cursor).toBe("c1");
      delays.push(next.delay);
      state = next.state;
    }
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, MAX_BACKOFF, MAX_BACKOFF, MAX_BACKOFF]);
  });

  it("refetches everything after an outage, whatever the first answer says", () => {
    const after = step({ cursor: "c1", failures: 3 }, changes("c9", "waiting"));
    expect(after.refetch).toEqual(["agent", "waiting"]);
    expect(after.state).toEqual({ cursor: "c9", failures: 0 });
    expect(after.reconnecting).toBe(false);
    expect(step({ cursor: "c1", failures: 3 }, { kind: "unchanged" }).state.failures).toBe(0);
  });

  it("starts over at once when the app refuses the cursor", () => {
    expect(step({ cursor: "bad", failures: 0 }, { kind: "badCursor" })).toEqual({
      state: initialFeed,
      refetch: [],
      delay: 0,
      reconnecting: false,
    });
  });
});

describe("the polling loop", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("polls with the last cursor, reports reconnecting once, and stops for good", async () => {
    const answers: (PollResult | Error)[] = [
      changes("c1"),
      { kind: "unchanged" },
      new Error("network down"),
      { kind: "failed" },
      changes("c2", "agent"),
    ];
    const sent: (string | null)[] = [];
    const refetched: string[][] = [];
    const reconnecting: boolean[] = [];
    let signal: AbortSignal | undefined;
    const stop = runFeed({
      poll: async (since, abort) => {
        sent.push(since);
        signal = abort;
        const answer = answers.shift() ?? { kind: "unchanged" };
        if (answer instanceof Error) throw answer;
        return answer;
      },
      refetch: (topics) => refetched.push(topics),
      reconnecting: (yes) => reconnecting.push(yes),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([null]);
    expect(refetched).toEqual([["agent", "waiting"]]);
    await vi.advanceTimersByTimeAsync(POLL_EVERY); // unchanged
    await vi.advanceTimersByTimeAsync(POLL_EVERY); // throws: back off 1 s
    expect(reconnecting).toEqual([true]);
    await vi.advanceTimersByTimeAsync(1000); // failed again: back off 2 s
    expect(sent).toEqual([null, "c1", "c1", "c1"]);
    await vi.advanceTimersByTimeAsync(1999);
    expect(sent.length).toBe(4);
    await vi.advanceTimersByTimeAsync(1); // back: everything again
    expect(reconnecting).toEqual([true, false]);
    expect(refetched).toEqual([
      ["agent", "waiting"],
      ["agent", "waiting"],
    ]);
    expect(sent).toEqual([null, "c1", "c1", "c1", "c1"]);
    stop();
    expect(signal?.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sent.length).toBe(5);
  });

  it("ignores an answer that arrives after stop", async () => {
    let answer: (result: PollResult) => void = () => {};
    const refetch = vi.fn();
    const stop = runFeed({
      poll: () => new Promise((resolve) => (answer = resolve)),
      refetch,
      reconnecting: () => {},
    });
    stop();
    answer(changes("c1"));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(refetch).not.toHaveBeenCalled();
  });
});
