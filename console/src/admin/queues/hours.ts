// A queue's opening hours as the page edits them (per weekday, one or more windows) and as the
// API stores them (windows that each name their days). Pure, so that it is tested on its own.

import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type OperatingHours = Schemas["OperatingHours"];
export type WeeklyWindow = Schemas["WeeklyWindow"];
export type TimeZone = OperatingHours["timeZone"];

export interface Span {
  start: string;
  end: string;
}

/** Seven lists of windows, Monday (ISO 1) first. */
export type Week = Span[][];

export interface HolidayRow {
  date: string;
  name: string;
}

export type HoursMode = "always" | "weekly";

export interface HoursDraft {
  mode: HoursMode;
  timeZone: string;
  week: Week;
  holidays: HolidayRow[];
}

export const DEFAULT_TIME_ZONE = "Asia/Shanghai";
export const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

export function emptyWeek(): Week {
  return WEEKDAYS.map(() => []);
}

const byStart = (a: Span, b: Span) => a.start.localeCompare(b.start) || a.end.localeCompare(b.end);

/** The API's windows spread over the days they name, each day's in order of opening. */
export function weekOf(weekly: readonly WeeklyWindow[]): Week {
  const week = emptyWeek();
  for (const window of weekly) {
    for (const day of window.days) {
      const spans = week[day - 1];
      if (!spans || spans.some((s) => s.start === window.start && s.end === window.end)) continue;
      spans.push({ start: window.start, end: window.end });
    }
  }
  for (const spans of week) spans.sort(byStart);
  return week;
}

/** Where an API window came from: [day index 0–6, row] for each day it covers. */
export type Origin = Array<Array<[number, number]>>;

/** The page's week as the API's windows: the same hours on several days become one window
 * naming those days (Mon–Fri 09:00–18:00 is one entry, not five). ``origin[i]`` says which
 * rows window ``i`` came from, so that an error the API names by index finds its rows. */
export function weeklyOf(week: Week): { weekly: WeeklyWindow[]; origin: Origin } {
  const weekly: WeeklyWindow[] = [];
  const origin: Origin = [];
  const index = new Map<string, number>();
  week.forEach((spans, day) => {
    spans.forEach((span, row) => {
      const key = `${span.start}-${span.end}`;
      let at = index.get(key);
      if (at === undefined) {
        at = weekly.length;
        index.set(key, at);
        weekly.push({ days: [], start: span.start, end: span.end });
        origin.push([]);
      }
      const entry = weekly[at]!;
      if (!entry.days.includes(day + 1)) entry.days.push(day + 1);
      origin[at]!.push([day, row]);
    });
  });
  return { weekly, origin };
}

/** The rows an API error about ``operatingHours.weekly.<i>…`` points at (none for others). */
export function rowsOfField(field: string | undefined, origin: Origin): Array<[number, number]> {
  const found = field?.match(/^operatingHours\.weekly\.(\d+)(\.|$)/);
  if (!found) return [];
  return origin[Number(found[1])] ?? [];
}

export function draftOf(hours: OperatingHours | null | undefined): HoursDraft {
  if (!hours)
    return { mode: "always", timeZone: DEFAULT_TIME_ZONE, week: emptyWeek(), holidays: [] };
  return {
    mode: hours.weekly.length ? "weekly" : "always",
    timeZone: hours.timeZone,
    week: weekOf(hours.weekly),
    holidays: hours.holidays.map((h) => ({ date: h.date, name: h.name ?? "" })),
  };
}

const TIME = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
const END = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

/** What is wrong with one window, before the API is asked: a message key, or null. */
export function spanProblem(
  span: Span,
): "hours.badStart" | "hours.badEnd" | "hours.endBeforeStart" | null {
  if (!TIME.test(span.start)) return "hours.badStart";
  if (!END.test(span.end)) return "hours.badEnd";
  if (span.end <= span.start) return "hours.endBeforeStart";
  return null;
}

export type HoursBody =
  | { ok: true; hours: OperatingHours | null; origin: Origin }
  | { ok: false; problem: "hours.noWindows" };

/** The ``operatingHours`` to send. "Set hours" with no window on any day would be stored as
 * an empty week, which the API reads as open around the clock: refused here, so that nobody
 * closes a queue's week and finds it open day and night. */
export function hoursBody(draft: HoursDraft): HoursBody {
  const holidays = draft.holidays.map((h) =>
    h.name ? { date: h.date, name: h.name } : { date: h.date },
  );
  if (draft.mode === "always") {
    if (!holidays.length) return { ok: true, hours: null, origin: [] };
    return {
      ok: true,
      hours: { timeZone: draft.timeZone as TimeZone, weekly: [], holidays } as OperatingHours,
      origin: [],
    };
  }
  const { weekly, origin } = weeklyOf(draft.week);
  if (!weekly.length) return { ok: false, problem: "hours.noWindows" };
  return {
    ok: true,
    hours: { timeZone: draft.timeZone as TimeZone, weekly, holidays } as OperatingHours,
    origin,
  };
}

/** A short line for the queue list: "Mon–Fri 09:00–18:00; Sat 10:00–14:00". Day names come
 * from ``dayName`` (the catalogue's short names). */
export function summary(weekly: readonly WeeklyWindow[], dayName: (day: number) => string): string {
  const week = weekOf(weekly);
  const groups: Array<{ days: number[]; text: string }> = [];
  week.forEach((spans, day) => {
    if (!spans.length) return;
    const text = spans.map((s) => `${s.start}–${s.end}`).join(", ");
    const last = groups[groups.length - 1];
    if (last && last.text === text && last.days[last.days.length - 1] === day)
      last.days.push(day + 1);
    else groups.push({ days: [day + 1], text });
  });
  return groups
    .map(({ days, text }) => {
      const first = dayName(days[0]!);
      const range = days.length > 1 ? `${first}–${dayName(days[days.length - 1]!)}` : first;
      return `${range} ${text}`;
    })
    .join("; ");
}

/** The time zones to choose from: the browser's list, with ``current`` kept in it (an alias
 * such as Asia/Calcutta that the API accepts but the browser does not list). */
export function timeZones(current: string, listed: readonly string[]): string[] {
  const all = new Set(listed);
  all.add(current);
  all.add(DEFAULT_TIME_ZONE);
  return [...all].sort();
}
