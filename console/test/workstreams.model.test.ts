import { describe, expect, it } from "vitest";

import {
  BEHAVIOR_MESSAGES,
  apiError,
  changeField,
  changeOp,
  variableObject,
  variableRows,
  durationMinutes,
  errorAt,
  errorUnder,
  freshRuleName,
  moveRule,
  newComparison,
  replaceAt,
  splitList,
  withMessage,
  type Condition,
  type Vocabulary,
} from "../src/admin/workstreams/model";
import { formatLocal } from "../src/admin/workstreams/RouteTest";

const vocabulary: Vocabulary = {
  fields: [
    { name: "message.text", kind: "text", operators: ["equals", "in", "contains", "startsWith", "matches", "exists"], caseInsensitive: false },
    { name: "customer.tags", kind: "tags", operators: ["in", "contains", "exists"], caseInsensitive: false },
    { name: "time.hour", kind: "number", operators: ["equals", "in", "exists", "gt", "gte", "lt", "lte"], caseInsensitive: false },
  ],
  contextField: { name: "context.", kind: "any", operators: ["equals", "in", "contains", "startsWith", "matches", "exists", "gt", "gte", "lt", "lte"], caseInsensitive: false },
  contextNamePattern: "[A-Za-z_][A-Za-z0-9_.-]{0,63}",
  classificationField: { name: "classification.", kind: "any", operators: ["equals", "in", "contains", "startsWith", "matches", "exists", "gt", "gte", "lt", "lte"], caseInsensitive: false },
  classificationNamePattern: "[A-Za-z_][A-Za-z0-9_]{0,63}",
  operators: ["equals", "in", "contains", "startsWith", "matches", "exists", "gt", "gte", "lt", "lte"],
  forms: ["all", "any", "not"],
  maxDepth: 8,
  maxComparisons: 200,
  maxPattern: 200,
};

describe("conditions", () => {
  it("starts a comparison on the first field with its first operator", () => {
    expect(newComparison(vocabulary)).toEqual({ field: "message.text", op: "equals", value: "" });
    expect(newComparison(vocabulary, "time.hour")).toEqual({ field: "time.hour", op: "equals", value: 0 });
  });

  it("keeps the operator when the new field has it, and resets the value to the field's kind", () => {
    const text: Condition = { field: "message.text", op: "contains", value: "退款" };
    expect(changeField(vocabulary, text, "customer.tags")).toEqual({ field: "customer.tags", op: "contains", value: "" });
    expect(changeField(vocabulary, text, "time.hour")).toEqual({ field: "time.hour", op: "equals", value: 0 });
    expect(changeField(vocabulary, text, "context.vip").op).toBe("contains");
  });

  it("gives in a list and exists true", () => {
    const c: Condition = { field: "message.text", op: "equals", value: "a" };
    expect(changeOp(vocabulary, c, "in").value).toEqual([]);
    expect(changeOp(vocabulary, c, "exists").value).toBe(true);
    expect(changeOp(vocabulary, c, "contains").value).toBe("a");
  });

  it("replaces and removes nested pieces without touching the rest", () => {
    const root: Condition = {
      all: [
        { field: "message.text", op: "contains", value: "a" },
        { any: [{ field: "time.hour", op: "gte", value: 18 }, { not: { field: "customer.tags", op: "exists" } }] },
      ],
    };
    const changed = replaceAt(root, ["all", 1, "any", 0], { field: "time.hour", op: "lt", value: 9 });
    expect(changed.all![1]!.any![0]).toEqual({ field: "time.hour", op: "lt", value: 9 });
    expect(root.all![1]!.any![0]!.op).toBe("gte");
    const removed = replaceAt(root, ["all", 0], null);
    expect(removed.all).toHaveLength(1);
  });
});

describe("rules", () => {
  it("moves a rule up and down, not past the ends", () => {
    expect(moveRule(["a", "b", "c"], 1, -1)).toEqual(["b", "a", "c"]);
    expect(moveRule(["a", "b", "c"], 2, 1)).toEqual(["a", "b", "c"]);
  });

  it("names a new rule with a number no other rule has", () => {
    expect(freshRuleName([{ name: "Rule 2" }], "Rule")).toBe("Rule 3");
    expect(freshRuleName([{ name: "Rule 2" }, { name: "x" }], "Rule")).toBe("Rule 3");
  });
});

describe("errors", () => {
  it("places an API error at its field or under it", () => {
    const error = apiError(
      { error: { code: "invalid_request", message: "bad", field: "routingRules.0.condition.value.1" } },
      "fallback",
    );
    expect(errorAt(error, "routingRules.0.condition.value")).toBeUndefined();
    expect(errorUnder(error, "routingRules.0.condition.value")).toBe("bad");
    expect(errorUnder(error, "routingRules.0.condition.val")).toBeUndefined();
    expect(apiError(undefined, "fallback")).toEqual({ message: "fallback" });
  });
});

describe("values", () => {
  it("reads ISO durations as minutes", () => {
    expect(durationMinutes("PT2H")).toBe(120);
    expect(durationMinutes("P1DT30M")).toBe(1470);
    expect(durationMinutes(null)).toBeNull();
    expect(durationMinutes("soon")).toBeNull();
  });

  it("splits lists on commas, Chinese commas and newlines", () => {
    expect(splitList("a, b，c\n\n d ,")).toEqual(["a", "b", "c", "d"]);
  });

  it("builds variables of the chosen kind and reads them back", () => {
    expect(
      variableObject([
        { name: "vip", kind: "boolean", text: "true" },
        { name: "level", kind: "number", text: "3" },
        { name: " ", kind: "text", text: "ignored" },
        { name: "city", kind: "text", text: "上海" },
      ]),
    ).toEqual({ vip: true, level: 3, city: "上海" });
    expect(variableRows({ vip: true, level: 3, city: "上海" })).toEqual([
      { name: "vip", kind: "boolean", text: "true" },
      { name: "level", kind: "number", text: "3" },
      { name: "city", kind: "text", text: "上海" },
    ]);
  });

  it("sets and clears automated messages, dropping empty languages", () => {
    const one = withMessage({}, "zh-CN", "greeting", "您好");
    expect(one).toEqual({ "zh-CN": { greeting: "您好" } });
    expect(withMessage(one, "zh-CN", "greeting", "")).toEqual({});
  });

  it("shows the dry run's local time as the workstream's clock says it", () => {
    expect(formatLocal("2026-12-02T20:30:00+08:00")).toBe("2026-12-02 20:30");
  });
});

describe("the Behaviors step's automated messages", () => {
  it("lists the issue 16 messages, each with placeholders the server knows", () => {
    const kinds = BEHAVIOR_MESSAGES.map((m) => m.kind);
    for (const kind of ["agentNotAssigned", "transferAccepted", "nextInLine", "positionInQueue", "agentEndedConversation"])
      expect(kinds).toContain(kind);
    const known = new Set(["{Position}", "{AgentName}", "{QueueName}"]);
    for (const { placeholders } of BEHAVIOR_MESSAGES) for (const p of placeholders) expect(known.has(p)).toBe(true);
  });
});
