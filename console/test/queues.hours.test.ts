import { describe, expect, it } from "vitest";

import {
  draftOf,
  emptyWeek,
  hoursBody,
  rowsOfField,
  spanProblem,
  summary,
  timeZones,
  weekOf,
  weeklyOf,
} from "../src/admin/queues/hours";

const WEEKDAYS_9_TO_6 = { days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" };

describe("the weekly editor's model", () => {
  it("spreads the API's windows over their days, in order of opening", () => {
    const week = weekOf([
      { days: [1, 3], start: "14:00", end: "18:00" },
      { days: [1], start: "09:00", end: "12:00" },
      { days: [7], start: "10:00", end: "24:00" },
    ]);
    expect(week[0]).toEqual([
      { start: "09:00", end: "12:00" },
      { start: "14:00", end: "18:00" },
    ]);
    expect(week[1]).toEqual([]);
    expect(week[2]).toEqual([{ start: "14:00", end: "18:00" }]);
    expect(week[6]).toEqual([{ start: "10:00", end: "24:00" }]);
  });

  it("joins the same hours on several days into one window, and remembers the rows", () => {
    const week = emptyWeek();
    for (const day of [0, 1, 2, 3, 4]) week[day] = [{ start: "09:00", end: "18:00" }];
    week[5] = [{ start: "10:00", end: "14:00" }];
    week[0]!.push({ start: "19:00", end: "21:00" });
    const { weekly, origin } = weeklyOf(week);
    expect(weekly).toEqual([
      WEEKDAYS_9_TO_6,
      { days: [1], start: "19:00", end: "21:00" },
      { days: [6], start: "10:00", end: "14:00" },
    ]);
    expect(origin[1]).toEqual([[0, 1]]);
    expect(rowsOfField("operatingHours.weekly.2.end", origin)).toEqual([[5, 0]]);
    expect(rowsOfField("operatingHours.weekly.0", origin)).toHaveLength(5);
    expect(rowsOfField("operatingHours.timeZone", origin)).toEqual([]);
  });

  it("reads back what it writes", () => {
    const stored = [WEEKDAYS_9_TO_6, { days: [6, 7], start: "10:00", end: "16:00" }];
    expect(weeklyOf(weekOf(stored)).weekly).toEqual(stored);
  });

  it("checks a window before the API is asked", () => {
    expect(spanProblem({ start: "09:00", end: "18:00" })).toBeNull();
    expect(spanProblem({ start: "09:00", end: "24:00" })).toBeNull();
    expect(spanProblem({ start: "9:00", end: "18:00" })).toBe("hours.badStart");
    expect(spanProblem({ start: "24:00", end: "24:00" })).toBe("hours.badStart");
    expect(spanProblem({ start: "09:00", end: "25:00" })).toBe("hours.badEnd");
    expect(spanProblem({ start: "18:00", end: "09:00" })).toBe("hours.endBeforeStart");
  });
});

describe("the operatingHours sent", () => {
  it("is null when always open without holidays", () => {
    expect(hoursBody(draftOf(null))).toEqual({ ok: true, hours: null, origin: [] });
  });

  it("keeps holidays for a queue that is otherwise always open", () => {
    const draft = { ...draftOf(null), holidays: [{ date: "2026-02-17", name: "" }] };
    expect(hoursBody(draft)).toMatchObject({
      ok: true,
      hours: { timeZone: "Asia/Shanghai", weekly: [], holidays: [{ date: "2026-02-17" }] },
    });
  });

  it("refuses set hours with no window, which the API would read as open day and night", () => {
    expect(hoursBody({ ...draftOf(null), mode: "weekly" })).toEqual({
      ok: false,
      problem: "hours.noWindows",
    });
  });

  it("round-trips a stored queue's hours", () => {
    const stored = {
      timeZone: "Europe/Berlin" as const,
      weekly: [WEEKDAYS_9_TO_6],
      holidays: [{ date: "2026-12-25", name: "Christmas" }],
    };
    const draft = draftOf(stored);
    expect(draft.mode).toBe("weekly");
    expect(hoursBody(draft)).toMatchObject({ ok: true, hours: stored });
  });
});

describe("the list's summary", () => {
  const short = (day: number) => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][day - 1]!;
  it("names runs of days with the same hours", () => {
    expect(summary([WEEKDAYS_9_TO_6, { days: [6], start: "10:00", end: "14:00" }], short)).toBe(
      "Mon–Fri 09:00–18:00; Sat 10:00–14:00",
    );
    expect(summary([{ days: [1, 3], start: "09:00", end: "12:00" }], short)).toBe(
      "Mon 09:00–12:00; Wed 09:00–12:00",
    );
  });
});

describe("the time zone picker", () => {
  it("keeps the stored zone and the default among the browser's", () => {
    expect(timeZones("Asia/Calcutta", ["Europe/Berlin"])).toEqual([
      "Asia/Calcutta",
      "Asia/Shanghai",
      "Europe/Berlin",
    ]);
  });
});
