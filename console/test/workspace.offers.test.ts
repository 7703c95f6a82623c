import { describe, expect, it } from "vitest";

import { newOffers, type Offer, openOffers, secondsLeft } from "../src/workspace/offers";
import { durationSeconds, secondsDuration } from "../src/admin/workstreams/model";

const offer = (id: string, expiresAt: string) =>
  ({
    conversationId: id,
    openId: "o1",
    offeredAt: "2026-12-02T12:00:00Z",
    expiresAt,
  }) as Offer;
const NOW = Date.parse("2026-12-02T12:00:10Z");

describe("offers in the workspace", () => {
  it("counts down whole seconds to expiresAt and never below zero", () => {
    expect(secondsLeft("2026-12-02T12:00:30Z", NOW)).toBe(20);
    expect(secondsLeft("2026-12-02T12:00:10.200Z", NOW)).toBe(1);
    expect(secondsLeft("2026-12-02T12:00:05Z", NOW)).toBe(0);
  });

  it("shows the open ones, soonest to run out first", () => {
    const shown = openOffers(
      [offer("late", "2026-12-02T12:00:40Z"), offer("gone", "2026-12-02T12:00:09Z"), offer("soon", "2026-12-02T12:00:20Z")],
      NOW,
    );
    expect(shown.map((o) => o.conversationId)).toEqual(["soon", "late"]);
  });

  it("tells which offers are new since the last answer (none on the first load)", () => {
    const first = [offer("a", "2026-12-02T12:00:40Z")];
    expect(newOffers(null, first)).toEqual([]);
    expect(newOffers(first, [...first, offer("b", "2026-12-02T12:00:50Z")]).map((o) => o.conversationId)).toEqual(["b"]);
  });
});

describe("the offer timeout as the settings form holds it", () => {
  it("reads the server's durations as seconds and writes seconds back", () => {
    expect(durationSeconds("PT30S")).toBe(30);
    expect(durationSeconds("PT1M30S")).toBe(90);
    expect(durationSeconds("PT5M")).toBe(300);
    expect(durationSeconds("P1D")).toBeNull();
    expect(durationSeconds("PT")).toBeNull();
    expect(secondsDuration(45)).toBe("PT45S");
  });
});
