import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n/messages";
import { type Span, type Week, WEEKDAYS, spanProblem } from "./hours";

/** The weekly editor: a row per weekday holding its windows (none: closed that day), each
 * window two HH:MM boxes; a window's message (the page's check or the API's) sits under it. */
export function WeeklyHours({
  week,
  onChange,
  checked,
  apiErrors,
}: {
  week: Week;
  onChange: (week: Week) => void;
  /** Show the page's own checks (after a first attempt to save). */
  checked: boolean;
  /** The API's message for a window, by "day:row". */
  apiErrors: Map<string, string>;
}) {
  const { t } = useI18n();
  const dayName = (day: number) => t(`hours.day.${day}` as MessageKey);
  const change = (day: number, spans: Span[]) =>
    onChange(week.map((old, index) => (index === day ? spans : old)));
  const monday = week[0] ?? [];
  return (
    <>
      <div class="qa-week">
        {WEEKDAYS.map((iso, day) => {
          const spans = week[day] ?? [];
          const name = dayName(iso);
          return (
            <div class="qa-day" key={iso} role="group" aria-label={name}>
              <span class="qa-day-name">{name}</span>
              <div class="qa-spans">
                {!spans.length && <span class="qa-closed">{t("hours.closed")}</span>}
                {spans.map((span, row) => {
                  const n = row + 1;
                  const local = checked ? spanProblem(span) : null;
                  const message = apiErrors.get(`${day}:${row}`) ?? (local ? t(local) : undefined);
                  const set = (part: Partial<Span>) =>
                    change(
                      day,
                      spans.map((old, index) => (index === row ? { ...old, ...part } : old)),
                    );
                  const errorId = `hours-${day}-${row}-error`;
                  const invalid = message
                    ? { "aria-invalid": "true" as const, "aria-describedby": errorId }
                    : {};
                  return (
                    <div class="qa-span" key={row}>
                      <input
                        class="qa-input qa-time"
                        value={span.start}
                        placeholder="09:00"
                        inputMode="numeric"
                        maxLength={5}
                        aria-label={
                          n === 1
                            ? t("hours.opens", { day: name })
                            : t("hours.opensNth", { day: name, n })
                        }
                        onInput={(event) =>
                          set({ start: (event.target as HTMLInputElement).value.trim() })
                        }
                        {...invalid}
                      />
                      <span class="qa-muted">{t("hours.to")}</span>
                      <input
                        class="qa-input qa-time"
                        value={span.end}
                        placeholder="18:00"
                        inputMode="numeric"
                        maxLength={5}
                        aria-label={
                          n === 1
                            ? t("hours.closes", { day: name })
                            : t("hours.closesNth", { day: name, n })
                        }
                        onInput={(event) =>
                          set({ end: (event.target as HTMLInputElement).value.trim() })
                        }
                        {...invalid}
                      />
                      <button
                        type="button"
                        class="qa-link-button"
                        aria-label={t("hours.removeOn", {
                          day: name,
                          start: span.start,
                          end: span.end,
                        })}
                        onClick={() =>
                          change(
                            day,
                            spans.filter((_, index) => index !== row),
                          )
                        }
                      >
                        {t("hours.remove")}
                      </button>
                      {message && (
                        <p id={errorId} class="qa-error qa-span-error">
                          {message}
                        </p>
                      )}
                    </div>
                  );
                })}
              </div>
              <button
                type="button"
                class="qa-button qa-small"
                aria-label={t("hours.addOn", { day: name })}
                onClick={() => {
                  const last = spans[spans.length - 1];
                  const next = last
                    ? { start: last.end === "24:00" ? "" : last.end, end: "" }
                    : { start: "09:00", end: "18:00" };
                  change(day, [...spans, next]);
                }}
              >
                {t("hours.add")}
              </button>
            </div>
          );
        })}
      </div>
      <div class="qa-week-tools">
        <button
          type="button"
          class="qa-link-button"
          disabled={!monday.length}
          onClick={() =>
            onChange(
              week.map((spans, day) =>
                day >= 1 && day <= 4 ? monday.map((s) => ({ ...s })) : spans,
              ),
            )
          }
        >
          {t("hours.copyMonday")}
        </button>
      </div>
    </>
  );
}
