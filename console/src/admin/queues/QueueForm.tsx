import { useEffect, useMemo, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import { followLink, href, navigate } from "../../router";
import { type Problem, messageAt, problemOf } from "./apiError";
import { Field, LoadingDetail } from "./Field";
import {
  type HoursDraft,
  type Origin,
  draftOf,
  hoursBody,
  rowsOfField,
  spanProblem,
  timeZones,
} from "./hours";
import type { Queue } from "./QueuesPage";
import { WeeklyHours } from "./WeeklyHours";

type Schemas = components["schemas"];
type Method = Schemas["AssignmentMethod"];
type Action = Schemas["OverflowAction"];
const METHODS: Method[] = ["highestCapacity", "roundRobin", "leastActive"];
const ACTIONS: Action[] = ["queueAnyway", "transfer", "end"];

interface Draft {
  name: string;
  priority: string;
  method: Method;
  hours: HoursDraft;
  maxWaiting: string;
  overflowAction: Action;
  overflowTarget: string;
  maxWait: string;
  afterMaxWaitAction: Action;
  afterMaxWaitTarget: string;
  outOfHoursAction: Action;
  outOfHoursTarget: string;
}

function draftOfQueue(queue: Queue | null): Draft {
  return {
    name: queue?.name ?? "",
    priority: String(queue?.priority ?? 100),
    method: queue?.assignmentMethod ?? "highestCapacity",
    hours: draftOf(queue?.operatingHours),
    maxWaiting: queue?.overflow.maxWaiting == null ? "" : String(queue.overflow.maxWaiting),
    overflowAction: queue?.overflow.action ?? "queueAnyway",
    overflowTarget: queue?.overflow.transferQueueId ?? "",
    maxWait: queue?.overflow.maxWait ?? "",
    afterMaxWaitAction: queue?.overflow.afterMaxWait?.action ?? "end",
    afterMaxWaitTarget: queue?.overflow.afterMaxWait?.transferQueueId ?? "",
    outOfHoursAction: queue?.outOfHours.action ?? "queueAnyway",
    outOfHoursTarget: queue?.outOfHours.transferQueueId ?? "",
  };
}

const browserZones = (): string[] =>
  (Intl as unknown as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.(
    "timeZone",
  ) ?? [];

/** A number as typed, or the text itself so that the API names what is wrong with it. */
const numberOf = (text: string): number | string =>
  /^-?\d+$/.test(text.trim()) ? Number(text) : text;

function handling(action: Action, target: string) {
  return action === "transfer" ? { action, transferQueueId: target } : { action };
}

/** A queue's settings, new (``queueId`` null) or stored. */
export function QueueForm({
  api,
  queueId,
  queues,
  onSaved,
}: {
  api: Api;
  queueId: string | null;
  queues: Queue[];
  onSaved: (notice: string) => void;
}) {
  const { t } = useI18n();
  const [stored, setStored] = useState<Queue | null>(null);
  const [loadProblem, setLoadProblem] = useState<Problem | null>(null);
  const [draft, setDraft] = useState<Draft | null>(queueId ? null : draftOfQueue(null));
  const [problem, setProblem] = useState<Problem | null>(null);
  const [origin, setOrigin] = useState<Origin>([]);
  const [checked, setChecked] = useState(false);
  const [saving, setSaving] = useState(false);
  const zones = useMemo(
    () => timeZones(draft?.hours.timeZone ?? "", browserZones()),
    [draft?.hours.timeZone],
  );

  useEffect(() => {
    if (!queueId) return;
    api.GET("/api/admin/queues/{id}", { params: { path: { id: queueId } } }).then(
      ({ data, error, response }) => {
        if (data) {
          setStored(data);
          setDraft(draftOfQueue(data));
        } else setLoadProblem(problemOf(error, response.status));
      },
      () => setLoadProblem(problemOf(undefined)),
    );
  }, [api, queueId]);

  const back = (
    <a class="qa-back" href={href("queues")} onClick={followLink}>
      ← {t("queues.back")}
    </a>
  );
  if (!draft) {
    return (
      <LoadingDetail
        back={back}
        problem={loadProblem}
        loading={t("queues.loading")}
        notFound={t("queues.notFound")}
        unavailable={t("queues.unavailable")}
      />
    );
  }

  const set = (part: Partial<Draft>) => setDraft({ ...draft, ...part });
  const setHours = (part: Partial<HoursDraft>) => {
    if (part.week && problem?.field?.startsWith("operatingHours.weekly")) setProblem(null);
    set({ hours: { ...draft.hours, ...part } });
  };
  const at = (path: string) => messageAt(problem, path);

  // The page's own checks, shown once the admin has tried to save.
  const built = hoursBody(draft.hours);
  const local = {
    noWindows: !built.ok,
    spans:
      draft.hours.mode === "weekly" &&
      draft.hours.week.some((spans) => spans.some((s) => spanProblem(s))),
    holidays: draft.hours.holidays.some((h) => !h.date),
    overflowTarget: draft.overflowAction === "transfer" && !draft.overflowTarget,
    outOfHoursTarget: draft.outOfHoursAction === "transfer" && !draft.outOfHoursTarget,
  };
  const locallyWrong = Object.values(local).some(Boolean);

  const weekErrors = new Map<string, string>();
  if (problem)
    for (const [day, row] of rowsOfField(problem.field, origin))
      weekErrors.set(`${day}:${row}`, problem.message);
  const weekLevel =
    problem?.field?.startsWith("operatingHours.weekly") && !weekErrors.size
      ? problem.message
      : undefined;
  const holidaysLevel = problem?.field?.match(/^operatingHours\.holidays(\.\d+)?$/)
    ? problem.message
    : undefined;
  const hoursLevel =
    problem?.field === "operatingHours" ||
    (problem?.field?.startsWith("operatingHours.") &&
      !/^operatingHours\.(weekly|holidays|timeZone)/.test(problem.field))
      ? problem.message
      : undefined;
  const placedByField = problem?.field
    ? ["name", "priority", "assignmentMethod", "operatingHours", "overflow", "outOfHours"].some(
        (p) => messageAt(problem, p),
      )
    : false;

  const save = async (event: Event) => {
    event.preventDefault();
    setChecked(true);
    if (locallyWrong || !built.ok) return;
    const maxWaiting = draft.maxWaiting.trim();
    const maxWait = draft.maxWait.trim();
    const body = {
      name: draft.name,
      priority: numberOf(draft.priority) as number,
      assignmentMethod: draft.method,
      operatingHours: built.hours,
      outOfHours: handling(draft.outOfHoursAction, draft.outOfHoursTarget),
      overflow: {
        ...handling(draft.overflowAction, draft.overflowTarget),
        ...(maxWaiting ? { maxWaiting: numberOf(maxWaiting) as number } : {}),
        ...(maxWait
          ? {
              maxWait,
              afterMaxWait: handling(draft.afterMaxWaitAction, draft.afterMaxWaitTarget),
            }
          : {}),
      },
    } as Schemas["QueueFields"];
    setSaving(true);
    setOrigin(built.origin);
    const answer = await (
      queueId
        ? api.PATCH("/api/admin/queues/{id}", { params: { path: { id: queueId } }, body })
        : api.POST("/api/admin/queues", { body })
    ).catch(() => null);
    setSaving(false);
    if (answer?.data) {
      onSaved(queueId ? t("queues.saved") : t("queues.created", { name: answer.data.name }));
      navigate(href("queues"));
      return;
    }
    setProblem(problemOf(answer?.error, answer?.response.status ?? 0));
  };

  const others = queues.filter((q) => q.id !== queueId);
  const targetSelect = (
    label: string,
    value: string,
    onPick: (id: string) => void,
    path: string,
    missing: boolean,
  ) => (
    <Field
      label={label}
      hint={t("queues.transferHint")}
      error={(checked && missing ? t("queues.transferNeeded") : undefined) ?? at(path)}
    >
      {(control) => (
        <select
          class="qa-select"
          {...control}
          value={value}
          onChange={(e) => onPick((e.target as HTMLSelectElement).value)}
        >
          <option value="">{t("queues.chooseQueue")}</option>
          {others.map((q) => (
            <option key={q.id} value={q.id}>
              {q.name}
            </option>
          ))}
          {value && !others.some((q) => q.id === value) && <option value={value}>{value}</option>}
        </select>
      )}
    </Field>
  );
  const actionSelect = (
    label: string,
    value: Action,
    onPick: (a: Action) => void,
    hint?: string,
    error?: string,
  ) => (
    <Field label={label} hint={hint} error={error}>
      {(control) => (
        <select
          class="qa-select"
          {...control}
          value={value}
          onChange={(e) => onPick((e.target as HTMLSelectElement).value as Action)}
        >
          {ACTIONS.map((action) => (
            <option key={action} value={action}>
              {t(`queues.action.${action}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
  // The API's cross-field rule for a handling names the handling itself ("overflow").
  const handlingError = (path: string) =>
    problem?.field === path || problem?.field === `${path}.transferQueueId`
      ? problem.message
      : undefined;

  return (
    <main class="page">
      {back}
      <div class="qa-header">
        <h1>{stored ? t("queues.editHeading", { name: stored.name }) : t("queues.new")}</h1>
      </div>
      <form class="qa-form" noValidate onSubmit={save}>
        {checked && (locallyWrong || (problem && placedByField)) && (
          <p class="qa-alert" role="alert">
            {t("queues.fixFields")}
          </p>
        )}
        {problem && !placedByField && (
          <p class="qa-alert" role="alert">
            {t("queues.saveFailed", { reason: problem.message || t("queues.unavailable") })}
          </p>
        )}

        <section class="qa-section" aria-labelledby="queue-general">
          <h2 id="queue-general">{t("queues.general")}</h2>
          <div class="qa-fields">
            <Field label={t("queues.name")} error={at("name")}>
              {(control) => (
                <input
                  class="qa-input"
                  {...control}
                  value={draft.name}
                  maxLength={100}
                  onInput={(e) => set({ name: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
            <Field
              label={t("queues.priority")}
              hint={t("queues.priorityHint")}
              error={at("priority")}
            >
              {(control) => (
                <input
                  class="qa-input"
                  {...control}
                  type="number"
                  min={0}
                  max={1000}
                  value={draft.priority}
                  onInput={(e) => set({ priority: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
            <Field
              label={t("queues.method")}
              hint={t(`queues.methodHint.${draft.method}`)}
              error={at("assignmentMethod")}
            >
              {(control) => (
                <select
                  class="qa-select"
                  {...control}
                  value={draft.method}
                  onChange={(e) => set({ method: (e.target as HTMLSelectElement).value as Method })}
                >
                  {METHODS.map((method) => (
                    <option key={method} value={method}>
                      {t(`queues.method.${method}`)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </section>

        <fieldset class="qa-section">
          <legend>{t("hours.heading")}</legend>
          <div class="qa-fields">
            <div class="qa-choices" role="radiogroup" aria-label={t("hours.heading")}>
              {(["always", "weekly"] as const).map((mode) => (
                <label class="qa-choice" key={mode}>
                  <input
                    type="radio"
                    name="hours-mode"
                    checked={draft.hours.mode === mode}
                    onChange={() => setHours({ mode })}
                  />
                  {t(mode === "always" ? "hours.always" : "hours.weekly")}
                </label>
              ))}
            </div>
            <Field
              label={t("hours.timeZone")}
              hint={t("hours.timeZoneHint")}
              error={at("operatingHours.timeZone")}
            >
              {(control) => (
                <select
                  class="qa-select"
                  {...control}
                  value={draft.hours.timeZone}
                  onChange={(e) => setHours({ timeZone: (e.target as HTMLSelectElement).value })}
                >
                  {zones.map((zone) => (
                    <option key={zone} value={zone}>
                      {zone}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          {hoursLevel && <p class="qa-error">{hoursLevel}</p>}
          {draft.hours.mode === "weekly" && (
            <>
              <p class="qa-hint qa-format">{t("hours.format")}</p>
              <WeeklyHours
                week={draft.hours.week}
                onChange={(week) => setHours({ week })}
                checked={checked}
                apiErrors={weekErrors}
              />
              {checked && local.noWindows && (
                <p class="qa-error" role="alert">
                  {t("hours.noWindows")}
                </p>
              )}
              {weekLevel && <p class="qa-error">{weekLevel}</p>}
            </>
          )}

          <h3 class="qa-label">{t("hours.holidays")}</h3>
          <p class="qa-hint">{t("hours.holidaysIntro")}</p>
          <div class="qa-rows">
            {!draft.hours.holidays.length && <span class="qa-muted">{t("hours.noHolidays")}</span>}
            {draft.hours.holidays.map((holiday, index) => {
              const n = index + 1;
              const setHoliday = (part: Partial<typeof holiday>) =>
                setHours({
                  holidays: draft.hours.holidays.map((h, i) =>
                    i === index ? { ...h, ...part } : h,
                  ),
                });
              const error =
                (checked && !holiday.date ? t("hours.dateNeeded") : undefined) ??
                at(`operatingHours.holidays.${index}`);
              return (
                <div key={index}>
                  <div class="qa-row">
                    <input
                      class="qa-input"
                      type="date"
                      aria-label={t("hours.holidayDate", { n })}
                      value={holiday.date}
                      aria-invalid={error ? "true" : undefined}
                      onInput={(e) => setHoliday({ date: (e.target as HTMLInputElement).value })}
                    />
                    <input
                      class="qa-input qa-grow"
                      aria-label={t("hours.holidayName", { n })}
                      placeholder={t("hours.holidayNamePlaceholder")}
                      maxLength={100}
                      value={holiday.name}
                      onInput={(e) => setHoliday({ name: (e.target as HTMLInputElement).value })}
                    />
                    <button
                      type="button"
                      class="qa-link-button"
                      aria-label={t("hours.removeHoliday", { n })}
                      onClick={() =>
                        setHours({ holidays: draft.hours.holidays.filter((_, i) => i !== index) })
                      }
                    >
                      {t("hours.remove")}
                    </button>
                  </div>
                  {error && <p class="qa-error">{error}</p>}
                </div>
              );
            })}
          </div>
          {holidaysLevel && !/\.\d+$/.test(problem?.field ?? "") && (
            <p class="qa-error">{holidaysLevel}</p>
          )}
          <button
            type="button"
            class="qa-button qa-small"
            onClick={() =>
              setHours({ holidays: [...draft.hours.holidays, { date: "", name: "" }] })
            }
          >
            {t("hours.addHoliday")}
          </button>
        </fieldset>

        <fieldset class="qa-section">
          <legend>{t("queues.outOfHours")}</legend>
          <div class="qa-fields">
            {actionSelect(
              t("queues.outOfHoursAction"),
              draft.outOfHoursAction,
              (outOfHoursAction) => set({ outOfHoursAction }),
              t("queues.outOfHoursHint"),
              draft.outOfHoursAction === "transfer" ? undefined : at("outOfHours"),
            )}
            {draft.outOfHoursAction === "transfer" &&
              targetSelect(
                t("queues.outOfHoursTransfer"),
                draft.outOfHoursTarget,
                (outOfHoursTarget) => set({ outOfHoursTarget }),
                "outOfHours.transferQueueId",
                local.outOfHoursTarget,
              )}
          </div>
          {draft.outOfHoursAction === "transfer" &&
            handlingError("outOfHours") &&
            !at("outOfHours.transferQueueId") && (
              <p class="qa-error">{handlingError("outOfHours")}</p>
            )}
        </fieldset>

        <fieldset class="qa-section">
          <legend>{t("queues.overflow")}</legend>
          <p class="qa-intro">{t("queues.overflowIntro")}</p>
          <div class="qa-fields">
            <Field
              label={t("queues.maxWaiting")}
              hint={t("queues.maxWaitingHint")}
              error={at("overflow.maxWaiting")}
            >
              {(control) => (
                <input
                  class="qa-input"
                  {...control}
                  type="number"
                  min={0}
                  max={100000}
                  value={draft.maxWaiting}
                  onInput={(e) => set({ maxWaiting: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
            {actionSelect(
              t("queues.overflowAction"),
              draft.overflowAction,
              (overflowAction) => set({ overflowAction }),
              undefined,
              draft.overflowAction === "transfer" || at("overflow.maxWaiting")
                ? undefined
                : at("overflow"),
            )}
            {draft.overflowAction === "transfer" &&
              targetSelect(
                t("queues.overflowTransfer"),
                draft.overflowTarget,
                (overflowTarget) => set({ overflowTarget }),
                "overflow.transferQueueId",
                local.overflowTarget,
              )}
          </div>
          {draft.overflowAction === "transfer" &&
            handlingError("overflow") &&
            !at("overflow.transferQueueId") && <p class="qa-error">{handlingError("overflow")}</p>}
          <div class="qa-fields">
            <Field
              label={t("queues.maxWait")}
              hint={t("queues.maxWaitHint")}
              error={at("overflow.maxWait") ?? (at("overflow.afterMaxWait") ? undefined : at("overflow"))}
            >
              {(control) => (
                <input
                  class="qa-input"
                  {...control}
                  placeholder="PT10M"
                  value={draft.maxWait}
                  onInput={(e) => set({ maxWait: (e.target as HTMLInputElement).value })}
                />
              )}
            </Field>
            {draft.maxWait.trim() &&
              actionSelect(
                t("queues.afterMaxWaitAction"),
                draft.afterMaxWaitAction,
                (afterMaxWaitAction) => set({ afterMaxWaitAction }),
                t("queues.afterMaxWaitHint"),
                at("overflow.afterMaxWait"),
              )}
            {draft.maxWait.trim() &&
              draft.afterMaxWaitAction === "transfer" &&
              targetSelect(
                t("queues.afterMaxWaitTransfer"),
                draft.afterMaxWaitTarget,
                (afterMaxWaitTarget) => set({ afterMaxWaitTarget }),
                "overflow.afterMaxWait.transferQueueId",
                false,
              )}
          </div>
        </fieldset>

        <div class="qa-form-actions">
          <button type="submit" class="qa-primary" disabled={saving}>
            {saving ? t("common.saving") : queueId ? t("common.save") : t("queues.create")}
          </button>
          <a class="qa-button" href={href("queues")} onClick={followLink}>
            {t("common.cancel")}
          </a>
        </div>
      </form>
    </main>
  );
}
