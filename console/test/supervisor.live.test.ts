import { describe, expect, it } from "vitest";

import { translate } from "../src/i18n/messages";
import { conversationsQuery, duration, NO_FILTERS, pollResult } from "../src/supervisor/live";
import { step, initialFeed } from "../src/workspace/feed";

const t = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
  translate("en", key, values);
const now = Date.parse("2026-12-02T10:00:00Z");
const ago = (ms: number) => new Date(now - ms).toISOString();

describe("duration", () => {
  it("says under a minute, minutes, hours and days", () => {
    expect(duration(ago(30_000), now, t)).toBe("under a minute");
    expect(duration(ago(12 * 60_000), now, t)).toBe("12 min");
    expect(duration(ago(125 * 60_000), now, t)).toBe("2 h 5 min");
    expect(duration(ago((3 * 24 + 4) * 3_600_000), now, t)).toBe("3 d 4 h");
  });
  it("never counts backwards from a clock that is a little ahead", () => {
    expect(duration(ago(-5_000), now, t)).toBe("under a minute");
  });
});

describe("conversationsQuery", () => {
  it("leaves out the filters that are not set", () => {
    expect(conversationsQuery(NO_FILTERS)).toEqual({});
    expect(conversationsQuery({ queueId: "q1", agentId: "", state: "open" })).toEqual({
      queueId: "q1",
      state: "open",
    });
  });
});

describe("pollResult", () => {
  it("makes any change one that refetches the view, and keeps 204 and 400 apart", () => {
    expect(pollResult(204, undefined)).toEqual({ kind: "unchanged" });
    expect(pollResult(400, undefined)).toEqual({ kind: "badCursor" });
    expect(pollResult(503, undefined)).toEqual({ kind: "failed" });
    const changed = pollResult(200, { cursor: "c1", changed: ["supervised"] });
    const first = step(initialFeed, changed);
    const next = step(first.state, pollResult(200, { cursor: "c2", changed: ["supervised"] }));
    expect(next.refetch.length).toBeGreaterThan(0);
  });
});
