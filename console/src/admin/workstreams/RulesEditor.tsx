import { useEffect, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import { useI18n } from "../../i18n";
import { CATALOGUE, type MessageKey } from "../../i18n/messages";
import { MENU_KEYS_LIST, MenuKeysList } from "../accounts/menuKeys";
import { formatRequired, parseRequired } from "../skills";
import {
  apiError,
  changeField,
  changeOp,
  errorAt,
  errorUnder,
  fieldKind,
  freshRuleName,
  groupChildren,
  groupKind,
  isGroup,
  makeGroup,
  moveRule,
  newComparison,
  operatorsFor,
  splitList,
  valueKindOf,
  coerce,
  type Condition,
  type FieldError,
  type Queue,
  type Rule,
  type Ruleset,
  type Share,
  type RouteTestResult,
  type Vocabulary,
} from "./model";
import { RouteTest } from "./RouteTest";
import { useCatalog, WorkstreamTabs } from "./WorkstreamsPage";

type T = ReturnType<typeof useI18n>["t"];

export function fieldLabel(t: T, vocabulary: Vocabulary, name: string): string {
  const known = vocabulary.fields.some((f) => f.name === name);
  return known ? translated(t, `rules.field.${name}`, name) : name;
}

/** A catalogue entry for a key the API names at run time, or ``fallback`` when there is none
 * (a field or operator added to the API after this console was built still shows). */
function translated(t: T, key: string, fallback: string): string {
  return key in CATALOGUE.en ? t(key as MessageKey) : fallback;
}

export function RulesEditor({ api, workstreamId }: { api: Api; workstreamId: string }) {
  const { t } = useI18n();
  const [revision, setRevision] = useState(0);
  const { catalog, error: loadError } = useCatalog(api, revision);
  const ws = catalog?.workstreams.find((w) => w.id === workstreamId);
  const [vocabulary, setVocabulary] = useState<Vocabulary | null>(null);
  const [vocabError, setVocabError] = useState<FieldError | null>(null);
  const [rules, setRules] = useState<Rule[] | null>(null);
  const [rulesetsText, setRulesetsText] = useState("[]");
  const [rulesetsError, setRulesetsError] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<FieldError | null>(null);
  const [saved, setSaved] = useState(false);
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<RouteTestResult | null>(null);

  useEffect(() => {
    api.GET("/api/admin/routing/fields").then(
      ({ data, error }) => (data ? setVocabulary(data) : setVocabError(apiError(error, t("rules.vocabularyFailed")))),
      () => setVocabError({ message: t("rules.vocabularyFailed") }),
    );
  }, [api]);
  useEffect(() => {
    if (ws && !dirty) {
      setRules(ws.routingRules as Rule[]);
      setRulesetsText(JSON.stringify(ws.classificationRulesets ?? [], null, 2));
    }
  }, [ws]);

  const update = (next: Rule[]) => {
    setRules(next);
    setDirty(true);
    setSaved(false);
    setResult(null);
  };
  const parsedRulesets = (): Ruleset[] | null => {
    try {
      const parsed: unknown = JSON.parse(rulesetsText);
      if (!Array.isArray(parsed)) throw new Error("not a list");
      setRulesetsError(null);
      return parsed as Ruleset[];
    } catch {
      setRulesetsError(t("rules.rulesetsNotJson"));
      return null;
    }
  };
  const save = async () => {
    if (!rules || !ws) return;
    const rulesets = parsedRulesets();
    if (!rulesets) return;
    setSaving(true);
    const { data, error } = await api.PATCH("/api/admin/workstreams/{id}", {
      params: { path: { id: ws.id } },
      body: { routingRules: rules, classificationRulesets: rulesets } as never,
    });
    setSaving(false);
    if (error || !data) return setError(apiError(error, t("rules.saveFailed")));
    setError(null);
    setDirty(false);
    setSaved(true);
    setRules(data.routingRules as Rule[]);
    setRevision((r) => r + 1);
  };

  const ready = catalog && ws && vocabulary && rules;
  const placedError = error?.field?.startsWith("routingRules.") || error?.field?.startsWith("classificationRulesets") ? null : error;
  const rulesetsFieldError = errorUnder(error, "classificationRulesets");
  return (
    <main class="page ws-page ws-wide">
      <WorkstreamTabs id={workstreamId} current="rules" />
      <MenuKeysList api={api} accountId={ws?.accountId} />
      <h1>{ws ? t("rules.titleFor", { name: ws.name }) : t("rules.title")}</h1>
      {(loadError ?? vocabError) && <p role="alert" class="error">{(loadError ?? vocabError)!.message}</p>}
      {!(catalog && vocabulary) && !(loadError ?? vocabError) && <p role="status">{t("common.loading")}</p>}
      {catalog && !ws && <p role="alert" class="error">{t("workstreams.notFound")}</p>}
      {ready && (
        <div class="ws-rules-layout">
          <section class="ws-rules" aria-labelledby="rules-heading">
            <h2 id="rules-heading" class="ws-visually-hidden">{t("rules.title")}</h2>
            <details class="ws-rulesets" open={rulesetsText.trim() !== "[]"}>
              <summary>{t("rules.rulesets")}</summary>
              <p class="ws-hint">{t("rules.rulesetsHint")}</p>
              <textarea id="rulesets" aria-label={t("rules.rulesets")} rows={10} value={rulesetsText} aria-invalid={rulesetsError || rulesetsFieldError ? true : undefined} onInput={(e) => { setRulesetsText((e.target as HTMLTextAreaElement).value); setDirty(true); setSaved(false); setResult(null); }} />
              {(rulesetsError ?? rulesetsFieldError) && <p role="alert" class="ws-error">{rulesetsError ?? `${error?.field}: ${rulesetsFieldError}`}</p>}
            </details>
            <p class="ws-hint">{t("rules.intro", { queue: catalog.queues.find((q) => q.id === ws.fallbackQueueId)?.name ?? ws.fallbackQueueId })}</p>
            {rules.length === 0 && <p class="ws-empty">{t("rules.empty")}</p>}
            <ol class="ws-rule-list">
              {rules.map((rule, index) => (
                <RuleCard
                  key={index}
                  rule={rule}
                  index={index}
                  count={rules.length}
                  queues={catalog.queues}
                  vocabulary={vocabulary}
                  error={error}
                  matched={result?.ruleIndex === index}
                  onChange={(next) => update(rules.map((r, i) => (i === index ? next : r)))}
                  onMove={(by) => update(moveRule(rules, index, by))}
                  onRemove={() => update(rules.filter((_, i) => i !== index))}
                />
              ))}
            </ol>
            {errorAt(error, "routingRules") && <p role="alert" class="ws-error">{error!.message}</p>}
            <div class="ws-actions">
              <button
                type="button"
                class="ws-button"
                onClick={() =>
                  update([
                    ...rules,
                    {
                      name: freshRuleName(rules, t("rules.defaultName")),
                      condition: { all: [newComparison(vocabulary)] },
                      queueId: catalog.queues[0]?.id ?? ws.fallbackQueueId,
                    },
                  ])
                }
              >
                {t("rules.addRule")}
              </button>
              <span class="ws-spacer" />
              {placedError && <p role="alert" class="ws-error">{placedError.message}</p>}
              {saved && <p role="status" class="notice">{t("rules.saved")}</p>}
              {dirty && !saved && <p class="ws-hint">{t("rules.unsaved")}</p>}
              <button type="button" class="ws-button ws-primary" onClick={save} disabled={saving || !dirty}>
                {saving ? t("common.saving") : t("rules.save")}
              </button>
            </div>
            <details class="ws-json">
              <summary>{t("rules.json")}</summary>
              <pre aria-label={t("rules.json")}>{JSON.stringify(rules, null, 2)}</pre>
            </details>
          </section>
          <RouteTest
            api={api}
            workstream={ws}
            rules={rules}
            rulesets={rulesetsText}
            dirty={dirty}
            result={result}
            onResult={setResult}
            onRulesError={setError}
          />
        </div>
      )}
    </main>
  );
}

function AllocationEditor({ id, shares, queues, label, onChange }: { id: string; shares: Share[]; queues: Queue[]; label: string; onChange: (shares: Share[]) => void }) {
  const { t } = useI18n();
  const total = shares.reduce((sum, s) => sum + (Number(s.percent) || 0), 0);
  return (
    <fieldset class="ws-fieldset ws-allocation">
      <legend>{t("rules.allocation", { name: label })}</legend>
      {shares.map((share, i) => (
        <div class="ws-inline" key={i}>
          <select aria-label={t("rules.allocationQueue", { n: i + 1 })} value={share.queueId} onChange={(e) => onChange(shares.map((s, j) => (j === i ? { ...s, queueId: (e.target as HTMLSelectElement).value } : s)))}>
            {queues.map((q) => (
              <option key={q.id} value={q.id}>{q.name}</option>
            ))}
          </select>
          <input id={`${id}-share-${i}`} type="number" min={1} max={99} aria-label={t("rules.allocationPercent", { n: i + 1 })} value={share.percent} onInput={(e) => onChange(shares.map((s, j) => (j === i ? { ...s, percent: Number((e.target as HTMLInputElement).value) } : s)))} />
          <span>%</span>
          {shares.length > 2 && (
            <button type="button" class="ws-icon ws-danger" aria-label={t("rules.allocationRemove", { n: i + 1 })} onClick={() => onChange(shares.filter((_, j) => j !== i))}>✕</button>
          )}
        </div>
      ))}
      <p class="ws-hint">{t("rules.allocationTotal", { total })}</p>
      {shares.length < 5 && (
        <button type="button" class="ws-link-button" onClick={() => onChange([...shares, { queueId: queues[0]?.id ?? "", percent: 0 }])}>
          {t("rules.allocationAdd")}
        </button>
      )}
    </fieldset>
  );
}

function RuleCard({
  rule,
  index,
  count,
  queues,
  vocabulary,
  error,
  matched,
  onChange,
  onMove,
  onRemove,
}: {
  rule: Rule;
  index: number;
  count: number;
  queues: Queue[];
  vocabulary: Vocabulary;
  error: FieldError | null;
  matched: boolean;
  onChange: (rule: Rule) => void;
  onMove: (by: number) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const base = `routingRules.${index}`;
  const id = `rule-${index}`;
  const label = rule.name || String(index + 1);
  const nameError = errorAt(error, `${base}.name`);
  const queueError = errorAt(error, `${base}.queueId`);
  const priorityError = errorAt(error, `${base}.priority`);
  const allocationError = errorUnder(error, `${base}.allocation`);
  const skillsError = errorUnder(error, `${base}.skills`);
  const ruleError = errorAt(error, base);
  return (
    <li class={"ws-rule" + (matched ? " ws-matched" : "")} aria-label={t("rules.ruleLabel", { n: index + 1, name: label })}>
      <div class="ws-rule-head">
        <span class="ws-rule-number">{index + 1}</span>
        <div class="ws-field ws-grow">
          <label for={`${id}-name`}>{t("rules.name")}</label>
          <input id={`${id}-name`} value={rule.name} aria-invalid={nameError ? true : undefined} onInput={(e) => onChange({ ...rule, name: (e.target as HTMLInputElement).value })} />
          {nameError && <p role="alert" class="ws-error">{nameError}</p>}
        </div>
        <div class="ws-field">
          <label for={`${id}-queue`}>{t("rules.queue")}</label>
          {!rule.allocation && (
            <select id={`${id}-queue`} value={rule.queueId ?? ""} aria-invalid={queueError ? true : undefined} onChange={(e) => onChange({ ...rule, queueId: (e.target as HTMLSelectElement).value })}>
              {!queues.some((q) => q.id === rule.queueId) && <option value={rule.queueId ?? ""}>{rule.queueId}</option>}
              {queues.map((q) => (
                <option key={q.id} value={q.id}>{q.name}</option>
              ))}
            </select>
          )}
          <label class="ws-inline">
            <input type="checkbox" checked={!!rule.allocation} onChange={(e) => { const on = (e.target as HTMLInputElement).checked; const first = rule.queueId ?? queues[0]?.id ?? ""; const second = queues.find((q) => q.id !== first)?.id ?? first; onChange(on ? { ...rule, queueId: null, allocation: [{ queueId: first, percent: 50 }, { queueId: second, percent: 50 }] } : { ...rule, queueId: rule.allocation?.[0]?.queueId ?? first, allocation: null }); }} />
            {t("rules.splitByPercent")}
          </label>
          {rule.allocation && (
            <AllocationEditor id={id} shares={rule.allocation} queues={queues} label={label} onChange={(allocation) => onChange({ ...rule, allocation })} />
          )}
          {allocationError && <p role="alert" class="ws-error">{allocationError}</p>}
          {queueError && <p role="alert" class="ws-error">{queueError}</p>}
        </div>
        <div class="ws-rule-tools">
          <button type="button" class="ws-icon" disabled={index === 0} onClick={() => onMove(-1)} aria-label={t("rules.moveUp", { name: label })} title={t("rules.moveUp", { name: label })}>↑</button>
          <button type="button" class="ws-icon" disabled={index === count - 1} onClick={() => onMove(1)} aria-label={t("rules.moveDown", { name: label })} title={t("rules.moveDown", { name: label })}>↓</button>
          <button type="button" class="ws-icon ws-danger" onClick={onRemove} aria-label={t("rules.remove", { name: label })} title={t("rules.remove", { name: label })}>✕</button>
        </div>
      </div>
      {matched && <p class="ws-matched-note">{t("rules.matchedHere")}</p>}
      {ruleError && <p role="alert" class="ws-error">{ruleError}</p>}
      <div class="ws-condition-root">
        <ConditionNode
          condition={rule.condition}
          path={`${base}.condition`}
          vocabulary={vocabulary}
          error={error}
          ruleLabel={label}
          onChange={(condition) => onChange({ ...rule, condition })}
        />
      </div>
      <details class="ws-rule-more">
        <summary>{t("rules.more")}</summary>
        <div class="ws-row">
          <div class="ws-field">
            <label for={`${id}-priority`}>{t("rules.priority")}</label>
            <input id={`${id}-priority`} type="number" min={0} max={1000} value={rule.priority ?? ""} aria-invalid={priorityError ? true : undefined} onInput={(e) => { const v = (e.target as HTMLInputElement).value; onChange({ ...rule, priority: v === "" ? null : Number(v) }); }} />
            <p class="ws-hint">{t("rules.priorityHint")}</p>
            {priorityError && <p role="alert" class="ws-error">{priorityError}</p>}
          </div>
          <div class="ws-field ws-grow">
            <label for={`${id}-skills`}>{t("rules.skills")}</label>
            <input id={`${id}-skills`} value={formatRequired(rule.skills)} onChange={(e) => onChange({ ...rule, skills: parseRequired((e.target as HTMLInputElement).value) })} />
            <p class="ws-hint">{t("rules.skillsHint")}</p>
            {skillsError && <p role="alert" class="ws-error">{skillsError}</p>}
          </div>
        </div>
      </details>
    </li>
  );
}

function ConditionNode({
  condition,
  path,
  vocabulary,
  error,
  ruleLabel,
  onChange,
  onRemove,
}: {
  condition: Condition;
  path: string;
  vocabulary: Vocabulary;
  error: FieldError | null;
  ruleLabel: string;
  onChange: (next: Condition) => void;
  onRemove?: () => void;
}) {
  const { t } = useI18n();
  const here = errorAt(error, path);
  if (isGroup(condition)) {
    const kind = groupKind(condition);
    const children = groupChildren(condition);
    const setChildren = (next: Condition[]) => onChange(makeGroup(kind, next));
    return (
      <div class="ws-group" role="group" aria-label={t(kind === "all" ? "rules.groupAll" : "rules.groupAny")}>
        <div class="ws-group-head">
          <label class="ws-inline">
            <span>{t("rules.match")}</span>
            <select value={kind} onChange={(e) => onChange(makeGroup((e.target as HTMLSelectElement).value as "all" | "any", children))}>
              {vocabulary.forms.includes("all") && <option value="all">{t("rules.all")}</option>}
              {vocabulary.forms.includes("any") && <option value="any">{t("rules.any")}</option>}
            </select>
          </label>
          {onRemove && (
            <button type="button" class="ws-link-button ws-danger" onClick={onRemove}>
              {t("rules.removeGroup")}
            </button>
          )}
        </div>
        {here && <p role="alert" class="ws-error">{here}</p>}
        {children.length === 0 && <p class="ws-hint">{t("rules.groupEmpty")}</p>}
        <ul class="ws-children">
          {children.map((child, i) => (
            <li key={i}>
              <ConditionNode
                condition={child}
                path={`${path}.${kind}.${i}`}
                vocabulary={vocabulary}
                error={error}
                ruleLabel={ruleLabel}
                onChange={(next) => setChildren(children.map((c, j) => (j === i ? next : c)))}
                onRemove={() => setChildren(children.filter((_, j) => j !== i))}
              />
            </li>
          ))}
        </ul>
        <div class="ws-group-tools">
          <button type="button" class="ws-link-button" onClick={() => setChildren([...children, newComparison(vocabulary)])}>
            {t("rules.addCondition")}
          </button>
          <button type="button" class="ws-link-button" onClick={() => setChildren([...children, makeGroup(kind === "all" ? "any" : "all", [newComparison(vocabulary)])])}>
            {t("rules.addGroup")}
          </button>
        </div>
      </div>
    );
  }
  if (condition.not) {
    return (
      <div class="ws-not" role="group" aria-label={t("rules.not")}>
        <div class="ws-group-head">
          <strong>{t("rules.not")}</strong>
          <button type="button" class="ws-link-button" onClick={() => onChange(condition.not!)}>
            {t("rules.unwrapNot")}
          </button>
          {onRemove && (
            <button type="button" class="ws-link-button ws-danger" onClick={onRemove}>
              {t("rules.removeGroup")}
            </button>
          )}
        </div>
        {here && <p role="alert" class="ws-error">{here}</p>}
        <ConditionNode condition={condition.not} path={`${path}.not`} vocabulary={vocabulary} error={error} ruleLabel={ruleLabel} onChange={(next) => onChange({ not: next })} />
      </div>
    );
  }
  return (
    <Comparison condition={condition} path={path} vocabulary={vocabulary} error={error} onChange={onChange} onRemove={onRemove} />
  );
}

const TEXT_OPS = new Set(["equals", "in", "contains", "startsWith", "matches"]);

function Comparison({
  condition,
  path,
  vocabulary,
  error,
  onChange,
  onRemove,
}: {
  condition: Condition;
  path: string;
  vocabulary: Vocabulary;
  error: FieldError | null;
  onChange: (next: Condition) => void;
  onRemove?: () => void;
}) {
  const { t } = useI18n();
  const id = `c-${path.replace(/\./g, "-")}`;
  const prefix = vocabulary.contextField.name;
  const classPrefix = vocabulary.classificationField.name;
  const field = condition.field ?? "";
  const isContext = field.startsWith(prefix);
  const isClass = field.startsWith(classPrefix);
  const kind = fieldKind(vocabulary, field);
  const op = condition.op ?? "";
  const ops = operatorsFor(vocabulary, field);
  const fieldError = errorAt(error, `${path}.field`);
  const opError = errorAt(error, `${path}.op`);
  const valueError = errorUnder(error, `${path}.value`);
  const here = errorAt(error, path);
  const hint = vocabulary.fields.find((f) => f.name === field)?.caseInsensitive ? t("rules.alwaysIgnoresCase") : kind === "number" && field === "time.weekday" ? t("rules.weekdayHint") : "";
  return (
    <div class="ws-comparison">
      <div class="ws-comparison-row">
        <select id={`${id}-field`} aria-label={t("rules.field")} aria-invalid={fieldError ? true : undefined} value={isContext ? prefix : isClass ? classPrefix : field} onChange={(e) => { const v = (e.target as HTMLSelectElement).value; onChange(changeField(vocabulary, condition, v === prefix ? `${prefix}name` : v === classPrefix ? `${classPrefix}tier` : v)); }}>
          {vocabulary.fields.map((f) => (
            <option key={f.name} value={f.name}>{fieldLabel(t, vocabulary, f.name)}</option>
          ))}
          <option value={prefix}>{t("rules.contextVariable")}</option>
          <option value={classPrefix}>{t("rules.classificationVariable")}</option>
        </select>
        {isClass && (
          <input class="ws-context-name" aria-label={t("rules.classificationName")} value={field.slice(classPrefix.length)} pattern={vocabulary.classificationNamePattern} onInput={(e) => onChange({ ...condition, field: classPrefix + (e.target as HTMLInputElement).value })} />
        )}
        {isContext && (
          <input class="ws-context-name" aria-label={t("rules.contextName")} value={field.slice(prefix.length)} pattern={vocabulary.contextNamePattern} onInput={(e) => onChange({ ...condition, field: prefix + (e.target as HTMLInputElement).value })} />
        )}
        <select id={`${id}-op`} aria-label={t("rules.operator")} aria-invalid={opError ? true : undefined} value={op} onChange={(e) => onChange(changeOp(vocabulary, condition, (e.target as HTMLSelectElement).value))}>
          {!ops.includes(op) && op && <option value={op}>{op}</option>}
          {ops.map((o) => (
            <option key={o} value={o}>{translated(t, `rules.op.${o}`, o)}</option>
          ))}
        </select>
        <ValueEditor condition={condition} kind={kind} label={t("rules.value")} invalid={!!valueError} onChange={onChange} />
        {TEXT_OPS.has(op) && (kind === "text" || kind === "tags" || (kind === "any" && typeof condition.value !== "number" && typeof condition.value !== "boolean")) && !vocabulary.fields.find((f) => f.name === field)?.caseInsensitive && (
          <label class="ws-check ws-small">
            <input type="checkbox" checked={!!condition.ignoreCase} onChange={(e) => onChange({ ...condition, ignoreCase: (e.target as HTMLInputElement).checked || undefined })} />
            {t("rules.ignoreCase")}
          </label>
        )}
        <span class="ws-spacer" />
        <button type="button" class="ws-link-button" onClick={() => onChange({ not: condition })}>{t("rules.negate")}</button>
        {onRemove && (
          <button type="button" class="ws-icon ws-danger" aria-label={t("rules.removeCondition")} title={t("rules.removeCondition")} onClick={onRemove}>✕</button>
        )}
      </div>
      {hint && <p class="ws-hint">{hint}</p>}
      {[fieldError, opError, valueError, here].filter(Boolean).map((m) => (
        <p role="alert" class="ws-error" key={m}>{m}</p>
      ))}
    </div>
  );
}

function ValueEditor({
  condition,
  kind,
  label,
  invalid,
  onChange,
}: {
  condition: Condition;
  kind: string;
  label: string;
  invalid: boolean;
  onChange: (next: Condition) => void;
}) {
  const { t } = useI18n();
  const op = condition.op ?? "";
  const value = condition.value;
  const common = { "aria-label": label, "aria-invalid": invalid ? true : undefined };
  if (op === "exists") {
    return (
      <select {...common} value={String(value !== false)} onChange={(e) => onChange({ ...condition, value: (e.target as HTMLSelectElement).value === "true" })}>
        <option value="true">{t("rules.present")}</option>
        <option value="false">{t("rules.absent")}</option>
      </select>
    );
  }
  if (op === "in") {
    const items = Array.isArray(value) ? value : [];
    return (
      <input
        {...common}
        class="ws-value"
        placeholder={t("rules.listPlaceholder")}
        value={items.join(", ")}
        onChange={(e) => {
          const parts = splitList((e.target as HTMLInputElement).value);
          onChange({ ...condition, value: kind === "number" ? parts.map(Number) : parts });
        }}
      />
    );
  }
  if (kind === "number" || ["gt", "gte", "lt", "lte"].includes(op)) {
    return <input {...common} class="ws-number" type="number" value={typeof value === "number" ? value : ""} onInput={(e) => onChange({ ...condition, value: Number((e.target as HTMLInputElement).value) })} />;
  }
  if (kind === "any") {
    const valueKind = valueKindOf(value);
    return (
      <span class="ws-inline">
        {valueKind === "boolean" ? (
          <select {...common} value={String(value)} onChange={(e) => onChange({ ...condition, value: (e.target as HTMLSelectElement).value === "true" })}>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : (
          <input {...common} class="ws-value" value={String(value ?? "")} onInput={(e) => onChange({ ...condition, value: coerce((e.target as HTMLInputElement).value, valueKind) })} />
        )}
        <select aria-label={t("rules.valueType")} value={valueKind} onChange={(e) => { const k = (e.target as HTMLSelectElement).value as "text" | "number" | "boolean"; onChange({ ...condition, value: coerce(k === "boolean" ? "true" : String(value ?? ""), k) }); }}>
          <option value="text">{t("rules.typeText")}</option>
          <option value="number">{t("rules.typeNumber")}</option>
          <option value="boolean">{t("rules.typeBoolean")}</option>
        </select>
      </span>
    );
  }
  const suggestions = condition.field === "event.key" ? MENU_KEYS_LIST : undefined;
  return <input {...common} class="ws-value" list={suggestions} value={typeof value === "string" ? value : ""} onInput={(e) => onChange({ ...condition, value: (e.target as HTMLInputElement).value })} />;
}

