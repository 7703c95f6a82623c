// The workstream pages' logic, kept out of the components so that it can be tested alone:
// conditions edited as the API's own JSON, the fields of an API error, durations, lists.

import type { components } from "../../api/schema";

type Schemas = components["schemas"];
export type WorkstreamFields = Schemas["WorkstreamFields"];
/** A condition as the API takes it; looser than the generated type, which spells out the four
 * forms as an intersection that is unwieldy to build step by step. */
export interface Condition {
  all?: Condition[];
  any?: Condition[];
  not?: Condition;
  field?: string;
  op?: string;
  value?: unknown;
  ignoreCase?: boolean;
}
export interface Rule {
  name: string;
  condition: Condition;
  queueId?: string | null;
  /** Instead of one queue: 2–5 shares summing to 100, picked from the conversation id. */
  allocation?: Share[] | null;
  priority?: number | null;
  skills?: Schemas["RequiredSkill-Output"][];
}
export interface Share {
  queueId: string;
  percent: number;
}
/** A classification ruleset, its conditions in the editor's looser type. */
export interface Ruleset {
  name: string;
  rules: { name: string; condition: Condition; outputs: Record<string, string | number | boolean> }[];
}
/** A workstream as answered, with its rules in the editor's looser types. */
export type Workstream = Omit<Schemas["Workstream"], "routingRules" | "classificationRulesets"> & {
  routingRules: Rule[];
  classificationRulesets?: Ruleset[];
};
export type Vocabulary = Schemas["RoutingVocabulary"];
export type FieldInfo = Schemas["FieldInfo"];
export type RouteTestRequest = Schemas["RouteTestRequest"];
export type RouteTestResult = Schemas["RouteTestResult"];
export type Queue = Schemas["Queue"];
export type Account = Schemas["AccountView"];
export type Survey = NonNullable<WorkstreamFields["survey"]>;

/** An API error as the console shows it: the message, next to the field it names. */
export interface FieldError {
  message: string;
  field?: string;
}

export function apiError(error: unknown, fallback: string): FieldError {
  const detail = (error as { error?: { message?: string; field?: string } } | undefined)?.error;
  if (detail?.message) return { message: detail.message, field: detail.field ?? undefined };
  return { message: fallback };
}

/** The error's message if it names ``path`` exactly, else undefined. */
export function errorAt(error: FieldError | null, path: string): string | undefined {
  return error && error.field === path ? error.message : undefined;
}

/** Whether the error names ``path`` or something under it (``value.2`` is under ``value``). */
export function errorUnder(error: FieldError | null, path: string): string | undefined {
  if (!error?.field) return undefined;
  return error.field === path || error.field.startsWith(path + ".") ? error.message : undefined;
}

// --- automated messages ---------------------------------------------------------------------

export type MessageKind =
  | "greeting"
  | "queued"
  | "agentAssigned"
  | "outOfHours"
  | "holiday"
  | "overflowEnded"
  | "conversationClosed"
  | "attachmentsDisabled"
  | "privacyNotice"
  | "agentNotAssigned"
  | "transferAccepted"
  | "nextInLine"
  | "positionInQueue"
  | "agentEndedConversation";

/** The automated messages of the Behaviors step and the placeholders each may use. */
export const BEHAVIOR_MESSAGES: { kind: MessageKind; placeholders: string[] }[] = [
  { kind: "greeting", placeholders: [] },
  { kind: "queued", placeholders: ["{Position}", "{QueueName}"] },
  { kind: "agentNotAssigned", placeholders: ["{QueueName}"] },
  { kind: "positionInQueue", placeholders: ["{Position}", "{QueueName}"] },
  { kind: "nextInLine", placeholders: ["{QueueName}"] },
  { kind: "agentAssigned", placeholders: ["{AgentName}", "{QueueName}"] },
  { kind: "transferAccepted", placeholders: ["{AgentName}", "{QueueName}"] },
  { kind: "outOfHours", placeholders: ["{QueueName}"] },
  { kind: "holiday", placeholders: ["{QueueName}"] },
  { kind: "overflowEnded", placeholders: ["{QueueName}"] },
  { kind: "agentEndedConversation", placeholders: ["{AgentName}", "{QueueName}"] },
  { kind: "conversationClosed", placeholders: [] },
  { kind: "attachmentsDisabled", placeholders: [] },
];

export type Messages = Record<string, Partial<Record<MessageKind, string>>>;

/** ``messages`` with one text set (or, when empty, removed), empty languages dropped. */
export function withMessage(
  messages: Messages,
  language: string,
  kind: MessageKind,
  text: string,
): Messages {
  const own = { ...(messages[language] ?? {}) };
  if (text) own[kind] = text;
  else delete own[kind];
  const next = { ...messages, [language]: own };
  if (Object.keys(own).length === 0) delete next[language];
  return next;
}

export const LANGUAGE_TAG = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
export const COMMON_LANGUAGES = ["zh-CN", "zh-TW", "zh-HK", "en", "ja", "ko"];

// --- durations ------------------------------------------------------------------------------

/** ISO 8601 duration (``PT2H``, ``P1DT30M``) → whole minutes; null if it is not one. */
export function durationMinutes(text: string | null | undefined): number | null {
  if (!text) return null;
  const found = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!found) return null;
  const [, d, h, m, s] = found;
  return Number(d ?? 0) * 1440 + Number(h ?? 0) * 60 + Number(m ?? 0) + Math.round(Number(s ?? 0) / 60);
}

export function minutesDuration(minutes: number): string {
  return `PT${minutes}M`;
}

/** An ISO 8601 duration of at most a day in whole seconds ("PT1M30S" → 90); null if not one. */
export function durationSeconds(text: string | null | undefined): number | null {
  if (!text) return null;
  const found = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(text);
  if (!found || text === "PT") return null;
  const [, h, m, s] = found;
  return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Math.round(Number(s ?? 0));
}

export function secondsDuration(seconds: number): string {
  return `PT${seconds}S`;
}

/** "a, b ,, c" → ["a", "b", "c"]. */
export function splitList(text: string): string[] {
  return text
    .split(/[,，\n]/)
    .map((part) => part.trim())
    .filter(Boolean);
}

// --- conditions -----------------------------------------------------------------------------

export type Path = (string | number)[];

export function pathText(path: Path): string {
  return path.join(".");
}

export function isGroup(c: Condition): boolean {
  return Array.isArray(c.all) || Array.isArray(c.any);
}

export function groupKind(c: Condition): "all" | "any" {
  return Array.isArray(c.any) ? "any" : "all";
}

export function groupChildren(c: Condition): Condition[] {
  return (Array.isArray(c.any) ? c.any : c.all) ?? [];
}

export function makeGroup(kind: "all" | "any", children: Condition[]): Condition {
  return kind === "any" ? { any: children } : { all: children };
}

export function fieldKind(vocabulary: Vocabulary, field: string | null | undefined): string {
  if (!field) return "text";
  const known = vocabulary.fields.find((f) => f.name === field);
  if (known) return known.kind;
  if (field.startsWith(vocabulary.classificationField.name)) return vocabulary.classificationField.kind;
  return field.startsWith(vocabulary.contextField.name) ? vocabulary.contextField.kind : "text";
}

export function operatorsFor(vocabulary: Vocabulary, field: string | null | undefined): string[] {
  const known = vocabulary.fields.find((f) => f.name === field);
  if (known) return known.operators;
  if (field?.startsWith(vocabulary.classificationField.name)) return vocabulary.classificationField.operators;
  return vocabulary.contextField.operators;
}

/** A new comparison on ``field`` with its first operator and an empty value of its kind. */
export function newComparison(vocabulary: Vocabulary, field?: string): Condition {
  const name = field ?? vocabulary.fields[0]?.name ?? "message.text";
  const op = operatorsFor(vocabulary, name)[0] ?? "equals";
  return { field: name, op, value: defaultValue(fieldKind(vocabulary, name), op) };
}

/** What a comparison's value becomes when its field or operator changes. */
export function defaultValue(kind: string, op: string): unknown {
  if (op === "exists") return true;
  if (op === "in") return [];
  if (kind === "number" || ["gt", "gte", "lt", "lte"].includes(op)) return 0;
  return "";
}

/** The comparison with a new field: the operator kept when it still applies, else the first. */
export function changeField(vocabulary: Vocabulary, c: Condition, field: string): Condition {
  const ops = operatorsFor(vocabulary, field);
  const op = c.op && ops.includes(c.op) ? c.op : (ops[0] ?? "equals");
  const kind = fieldKind(vocabulary, field);
  const keep = fieldKind(vocabulary, c.field) === kind && op === c.op;
  return { ...c, field, op, value: keep ? c.value : defaultValue(kind, op) };
}

export function changeOp(vocabulary: Vocabulary, c: Condition, op: string): Condition {
  const kind = fieldKind(vocabulary, c.field);
  const sameShape = (a: string, b: string) =>
    (a === "in") === (b === "in") && (a === "exists") === (b === "exists");
  return { ...c, op, value: sameShape(op, c.op ?? "") ? c.value : defaultValue(kind, op) };
}

/** The condition at ``path`` (relative to a rule's condition). */
export function conditionAt(root: Condition, path: Path): Condition {
  let node: unknown = root;
  for (const part of path) node = (node as Record<string | number, unknown>)[part];
  return node as Condition;
}

/** ``root`` with the condition at ``path`` replaced (``null``: removed from its group). */
export function replaceAt(root: Condition, path: Path, next: Condition | null): Condition {
  if (path.length === 0) return next ?? root;
  const [head, ...rest] = path;
  if (typeof head === "string" && rest.length > 0 && typeof rest[0] === "number") {
    const list = [...((root as Record<string, Condition[]>)[head] ?? [])];
    const [index, ...below] = rest as [number, ...Path];
    if (below.length === 0) {
      if (next === null) list.splice(index, 1);
      else list[index] = next;
    } else {
      list[index] = replaceAt(list[index]!, below, next);
    }
    return { ...root, [head]: list };
  }
  // "not"
  const child = (root as Record<string, Condition>)[head as string]!;
  return { ...root, [head as string]: replaceAt(child, rest, next) } as Condition;
}

/** The rules with rule ``index`` moved by ``by`` (−1 up, +1 down), if it can move. */
export function moveRule<T>(rules: T[], index: number, by: number): T[] {
  const target = index + by;
  if (target < 0 || target >= rules.length) return rules;
  const next = [...rules];
  [next[index], next[target]] = [next[target]!, next[index]!];
  return next;
}

/** A name "Rule N" no other rule has. */
export function freshRuleName(rules: { name: string }[], base: string): string {
  const taken = new Set(rules.map((r) => r.name));
  for (let n = rules.length + 1; ; n++) {
    const name = `${base} ${n}`;
    if (!taken.has(name)) return name;
  }
}

/** A context variable's value as typed, in the kind the admin chose. */
export type ValueKind = "text" | "number" | "boolean";

export function valueKindOf(value: unknown): ValueKind {
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return "text";
}

export function coerce(text: string, kind: ValueKind): string | number | boolean {
  if (kind === "number") {
    const n = Number(text);
    return text.trim() === "" || !Number.isFinite(n) ? 0 : n;
  }
  if (kind === "boolean") return text === "true";
  return text;
}

/** A named value as an editor holds it: the text typed, read in the kind chosen. */
export interface VariableRow {
  name: string;
  kind: ValueKind;
  text: string;
}

/** Rows (a bot's context variables, a classification rule's outputs) → the object the API
 * takes; a row without a name is not finished and left out. */
export function variableObject(rows: VariableRow[]): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const row of rows) if (row.name.trim()) out[row.name.trim()] = coerce(row.text, row.kind);
  return out;
}

export function variableRows(values: Record<string, string | number | boolean>): VariableRow[] {
  return Object.entries(values).map(([name, value]) => ({ name, kind: valueKindOf(value), text: String(value) }));
}

/** A classification rule as the editor holds it: its outputs as rows, so a half-typed name or
 * value stays on screen. */
export interface EditedClassificationRule {
  name: string;
  condition: Condition;
  outputs: VariableRow[];
}

export interface EditedRuleset {
  name: string;
  rules: EditedClassificationRule[];
}

export function editedRulesets(rulesets: Ruleset[]): EditedRuleset[] {
  return rulesets.map((ruleset) => ({
    name: ruleset.name,
    rules: ruleset.rules.map((rule) => ({
      name: rule.name,
      condition: rule.condition,
      outputs: variableRows(rule.outputs),
    })),
  }));
}

/** The editor's rulesets as the API takes them. */
export function rulesetsBody(rulesets: EditedRuleset[]): Ruleset[] {
  return rulesets.map((ruleset) => ({
    name: ruleset.name,
    rules: ruleset.rules.map((rule) => ({
      name: rule.name,
      condition: rule.condition,
      outputs: variableObject(rule.outputs),
    })),
  }));
}
