import { describe, expect, it } from "vitest";

import { durationSeconds, secondsDuration } from "../src/admin/capacity/profiles";
import { describeHeld, formatRequired, parseRequired } from "../src/admin/skills";

describe("required skills as one line", () => {
  it("reads name:rating, a bare name as rating 1, and both commas", () => {
    expect(parseRequired("billing:3, vip，mandarin : 5")).toEqual([
      { name: "billing", minRating: 3 },
      { name: "vip", minRating: 1 },
      { name: "mandarin", minRating: 5 },
    ]);
  });

  it("sends a rating that is not a number as typed, for the API to name", () => {
    expect(parseRequired("billing:high")).toEqual([{ name: "billing", minRating: "high" }]);
  });

  it("writes back what it reads, and old plain strings as they are", () => {
    const line = "billing:3, vip";
    expect(formatRequired(parseRequired(line))).toBe(line);
    expect(formatRequired(["legacy"] as never)).toBe("legacy");
  });

  it("describes held skills with their ratings", () => {
    expect(describeHeld([{ name: "billing", rating: 4 }, { name: "vip", rating: 1 }])).toBe(
      "billing 4 · vip 1",
    );
  });
});

describe("wrap-up durations", () => {
  it("reads the API's ISO 8601 and writes seconds", () => {
    expect(durationSeconds("PT2M")).toBe(120);
    expect(durationSeconds("PT1M30S")).toBe(90);
    expect(durationSeconds("PT1H")).toBe(3600);
    expect(durationSeconds("PT")).toBeNull();
    expect(durationSeconds(null)).toBeNull();
    expect(secondsDuration(45)).toBe("PT45S");
  });
});
