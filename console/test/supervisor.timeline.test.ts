import { describe, expect, it } from "vitest";

import { CATALOGUE, translate } from "../src/i18n/messages";
import { describeEvent, KIND, outcomeOf, type TimelineEvent } from "../src/supervisor/timeline";

const t = (key: Parameters<typeof translate>[1], values?: Record<string, string | number>) =>
  translate("en", key, values);
const names = { queues: new Map([["q1", "Refunds"]]), agents: new Map([["a1", "Lin"]]) };
const event = (kind: TimelineEvent["kind"], details: object, outcome?: string) =>
  ({ kind, at: "2026-12-02T10:00:00Z", outcome, details }) as unknown as TimelineEvent;

describe("a timeline event in words", () => {
  it("names the rule and the queue a conversation was routed to, or says none matched", () => {
    expect(describeEvent(event("routed", { rule: "refunds", queueId: "q1" }), names, t)).toBe(
      "rule refunds → Refunds",
    );
    expect(describeEvent(event("routed", { queueId: "q9" }), names, t)).toBe("no rule matched → q9");
  });

  it("names the agent, and who sent a message on which attempt", () => {
    expect(describeEvent(event("assigned", { agentId: "a1" }, "Lin"), names, t)).toBe("to Lin");
    expect(describeEvent(event("transferred", { queueId: "q1" }), names, t)).toBe("to queue Refunds");
    const sent = event("sent", { sender: "agent:a1", attempt: 2, errcode: 45015 }, "errcode 45015");
    expect(describeEvent(sent, names, t)).toBe("from Lin, attempt 2");
    expect(outcomeOf(sent)).toBe("errcode 45015");
    expect(describeEvent(event("sent", { sender: "system", attempt: 1 }), names, t)).toBe(
      "from the system, attempt 1",
    );
  });

  it("says to whom a conversation was offered, and how the offer ended", () => {
    expect(describeEvent(event("offered", { agentId: "a1" }, "offered"), names, t)).toBe("to Lin");
    expect(describeEvent(event("offered", { agentId: "a1" }, "declined"), names, t)).toBe(
      "declined by Lin",
    );
    expect(describeEvent(event("offered", { agentId: "a1" }, "expired"), names, t)).toBe(
      "Lin did not answer in time",
    );
    expect(outcomeOf(event("offered", { agentId: "a1" }, "declined"))).toBe("");
  });

  it("has words for every kind the API answers", () => {
    for (const key of Object.values(KIND)) expect(CATALOGUE.en[key]).toBeTruthy();
    expect(Object.keys(KIND)).toHaveLength(17);
  });
});
