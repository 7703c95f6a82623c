import { useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import { MENU_KEYS_LIST } from "../accounts/menuKeys";
import {
  apiError,
  errorAt,
  errorUnder,
  splitList,
  type FieldError,
  type RouteTestResult,
  type Rule,
  type Ruleset,
  type VariableRow,
  type Workstream,
  variableObject,
} from "./model";
import { VariableRows } from "./VariableRows";
import { described, Field } from "./WorkstreamsPage";

const MESSAGE_TYPES = ["text", "event", "image", "voice", "video", "location", "link"] as const;
const EVENTS = ["subscribe", "click", "view", "scan", "location"];

/** Test a message: the dry run of the editor's rules (saved or not) on a sample message. */
export function RouteTest({
  api,
  workstream,
  rules,
  rulesets,
  dirty,
  result,
  onResult,
  onRulesError,
}: {
  api: Api;
  workstream: Workstream;
  rules: Rule[];
  rulesets: Ruleset[];
  dirty: boolean;
  result: RouteTestResult | null;
  onResult: (result: RouteTestResult | null) => void;
  onRulesError: (error: FieldError | null) => void;
}) {
  const { t } = useI18n();
  const [type, setType] = useState<(typeof MESSAGE_TYPES)[number]>("text");
  const [text, setText] = useState("");
  const [event, setEvent] = useState("click");
  const [eventKey, setEventKey] = useState("");
  const [tags, setTags] = useState("");
  const [scene, setScene] = useState("");
  const [at, setAt] = useState("");
  const [variables, setVariables] = useState<VariableRow[]>([]);
  const [error, setError] = useState<FieldError | null>(null);
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<"saved" | "unsaved">("saved");

  const run = async (e: Event) => {
    e.preventDefault();
    setTesting(true);
    const { data, error } = await api.POST("/api/admin/workstreams/{id}/route-test", {
      params: { path: { id: workstream.id } },
      body: {
        message: type === "text" || type === "voice" ? { type, text } : type === "event" ? { type, event, eventKey: eventKey || null } : { type },
        context: variableObject(variables),
        tags: splitList(tags),
        scene: scene || null,
        at: at || null,
        routingRules: rules,
        classificationRulesets: rulesets,
      } as never,
    });
    setTesting(false);
    setTested(dirty ? "unsaved" : "saved");
    if (error || !data) {
      const problem = apiError(error, t("rules.test.failed"));
      onResult(null);
      if (problem.field?.startsWith("routingRules") || problem.field?.startsWith("classificationRulesets")) {
        onRulesError(problem);
        setError({ message: t("rules.test.rulesInvalid") });
      } else setError(problem);
      return;
    }
    setError(null);
    onRulesError(null);
    onResult(data);
  };

  const local = result ? formatLocal(result.localTime) : "";
  return (
    <section class="ws-card ws-test" aria-labelledby="test-heading">
      <h2 id="test-heading">{t("rules.test.title")}</h2>
      <p class="ws-hint">{t("rules.test.intro")}</p>
      <form onSubmit={run} noValidate>
        <Field id="test-type" label={t("rules.test.messageType")}>
          <select id="test-type" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value as typeof type)}>
            {MESSAGE_TYPES.map((m) => (
              <option key={m} value={m}>{t(`rules.test.type.${m}`)}</option>
            ))}
          </select>
        </Field>
        {(type === "text" || type === "voice") && (
          <Field id="test-text" label={t(type === "voice" ? "rules.test.recognition" : "rules.test.text")} error={errorUnder(error, "message.text")}>
            <textarea {...described("test-text", undefined, errorUnder(error, "message.text"))} rows={3} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
          </Field>
        )}
        {type === "event" && (
          <div class="ws-row">
            <Field id="test-event" label={t("rules.test.event")} error={errorAt(error, "message.event")}>
              <input id="test-event" list="test-events" value={event} onInput={(e) => setEvent((e.target as HTMLInputElement).value)} />
              <datalist id="test-events">
                {EVENTS.map((ev) => <option key={ev} value={ev} />)}
              </datalist>
            </Field>
            <Field id="test-event-key" label={t("rules.test.eventKey")} error={errorAt(error, "message.eventKey")}>
              <input id="test-event-key" list={MENU_KEYS_LIST} value={eventKey} onInput={(e) => setEventKey((e.target as HTMLInputElement).value)} />
            </Field>
          </div>
        )}
        <Field id="test-at" label={t("rules.test.time")} hint={t("rules.test.timeHint", { zone: workstream.timeZone })} error={errorAt(error, "at")}>
          <input {...described("test-at", "x", errorAt(error, "at"))} type="datetime-local" value={at} onInput={(e) => setAt((e.target as HTMLInputElement).value)} />
        </Field>
        <details class="ws-test-more">
          <summary>{t("rules.test.customer")}</summary>
          <Field id="test-tags" label={t("rules.test.tags")} hint={t("rules.test.tagsHint")} error={errorUnder(error, "tags")}>
            <input id="test-tags" value={tags} onInput={(e) => setTags((e.target as HTMLInputElement).value)} />
          </Field>
          <Field id="test-scene" label={t("rules.test.scene")} error={errorAt(error, "scene")}>
            <input id="test-scene" value={scene} placeholder="qrscene_…" onInput={(e) => setScene((e.target as HTMLInputElement).value)} />
          </Field>
        </details>
        <fieldset class="ws-fieldset">
          <legend>{t("rules.test.variables")}</legend>
          {variables.length === 0 && <p class="ws-hint">{t("rules.test.variablesHint")}</p>}
          <VariableRows
            rows={variables}
            onChange={setVariables}
            nameLabel={t("rules.test.variableName")}
            removeLabel={(name) => t("rules.test.removeVariable", { name })}
            addLabel={t("rules.test.addVariable")}
          />
          {errorUnder(error, "context") && <p role="alert" class="ws-error">{errorUnder(error, "context")}</p>}
        </fieldset>
        <div class="ws-actions">
          <button type="submit" class="ws-button ws-primary" disabled={testing}>
            {testing ? t("rules.test.testing") : t("rules.test.run")}
          </button>
        </div>
      </form>
      <div role="status" aria-live="polite" class="ws-test-result">
        {error && !error.field && <p class="ws-error">{error.message}</p>}
        {result && (
          <div class={"ws-result" + (result.fallback ? " ws-result-fallback" : "")}>
            <p class="ws-result-main">
              {result.rule != null && !result.fallback
                ? t("rules.test.matched", { n: (result.ruleIndex ?? 0) + 1, rule: result.rule, queue: result.queueName })
                : result.rule != null
                  ? t("rules.test.ruleQueueGone", { rule: result.rule, queue: result.queueName })
                  : t("rules.test.noMatch", { queue: result.queueName })}
            </p>
            <p class="ws-hint">
              {t("rules.test.at", { time: local, zone: workstream.timeZone })}{" "}
              {result.queueHours !== "open" && t(result.queueHours === "holiday" ? "rules.test.holiday" : "rules.test.closed")}
            </p>
            {result.rulesets && result.rulesets.length > 0 && (
              <div class="ws-hint">
                <p>{t("rules.test.outputs")}</p>
                <ul aria-label={t("rules.test.outputs")}>
                  {result.rulesets.map((m) => (
                    <li key={m.ruleset}>{t("rules.test.rulesetMatched", { ruleset: m.ruleset, rule: m.rule })}</li>
                  ))}
                  {Object.entries(result.outputs ?? {}).map(([name, value]) => (
                    <li key={name}><code>classification.{name}</code> = <code>{JSON.stringify(value)}</code></li>
                  ))}
                </ul>
              </div>
            )}
            {result.skipped && result.skipped.length > 0 && (
              <ul class="ws-hint" aria-label={t("rules.test.skippedTitle")}>
                {result.skipped.map((s) => (
                  <li key={s.rule}>{t("rules.test.skipped", { rule: s.rule, queue: s.queueId, reason: s.reason })}</li>
                ))}
              </ul>
            )}
            <p class="ws-hint">{t(tested === "unsaved" ? "rules.test.unsavedRules" : "rules.test.savedRules")}</p>
          </div>
        )}
      </div>
    </section>
  );
}

/** "2026-12-02T20:30:00+08:00" → "2026-12-02 20:30" (the workstream's own clock, as sent). */
export function formatLocal(iso: string): string {
  const found = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return found ? `${found[1]} ${found[2]}` : iso;
}
