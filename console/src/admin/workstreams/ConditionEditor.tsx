import { useI18n } from "../../i18n";
import { CATALOGUE, type MessageKey } from "../../i18n/messages";
import { MENU_KEYS_LIST } from "../accounts/menuKeys";
import {
  changeField,
  changeOp,
  coerce,
  errorAt,
  errorUnder,
  fieldKind,
  groupChildren,
  groupKind,
  isGroup,
  makeGroup,
  newComparison,
  operatorsFor,
  splitList,
  valueKindOf,
  type Condition,
  type FieldError,
  type Vocabulary,
} from "./model";

/** The condition of a routing rule or a classification rule: groups (all / any), negation
 * and comparisons, each showing the API's error for its own path. */
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

export function ConditionNode({
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

