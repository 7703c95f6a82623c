import { describe, expect, it } from "vitest";

import type { MessageView } from "../src/conversation/lines";
import {
  fieldProblem,
  offerTemplate,
  previewLines,
  readyToSend,
  requestFields,
  type TemplateView,
} from "../src/conversation/templates";

const template: TemplateView = {
  templateId: "tpl1",
  accountId: "acc",
  title: "订单状态",
  fields: [
    { key: "keyword1", label: "订单号", maxLength: 32 },
    { key: "thing2", label: "状态", maxLength: 4 },
  ],
  enabled: true,
  url: null,
  miniprogram: null,
  dailyQuota: 100,
  sentToday: 3,
  updatedAt: "2026-12-02T10:00:00Z",
};

function line(overrides: Partial<MessageView>): MessageView {
  return {
    id: "1",
    direction: "out",
    type: "text",
    createdAt: "2026-12-02T10:00:00Z",
    receivedAt: "2026-12-02T10:00:00Z",
    details: {},
    status: "sent",
    ...overrides,
  } as MessageView;
}

describe("filling a template", () => {
  it("needs every field, trimmed, within its length in characters", () => {
    const field = template.fields[1]!;
    expect(fieldProblem(field, undefined)).toEqual({ kind: "empty" });
    expect(fieldProblem(field, "   ")).toEqual({ kind: "empty" });
    expect(fieldProblem(field, "已退款了")).toBeNull();
    expect(fieldProblem(field, "已经退款了")).toEqual({ kind: "tooLong", length: 5, max: 4 });
    expect(readyToSend(template, { keyword1: "A1" })).toBe(false);
    expect(readyToSend(template, { keyword1: "A1", thing2: " 已退款 " })).toBe(true);
  });

  it("sends the template's fields only, and previews them as the transcript shows them", () => {
    const values = { keyword1: " A1 ", thing2: "已退款", other: "x" };
    expect(requestFields(template, values)).toEqual({ keyword1: "A1", thing2: "已退款" });
    expect(previewLines(template, values)).toEqual(["订单状态", "订单号: A1", "状态: 已退款"]);
  });
});

describe("when a template is offered", () => {
  it("when the window is closed, or WeChat refused the last reply with 45015", () => {
    expect(offerTemplate(true, false, [])).toBe(true);
    expect(offerTemplate(false, false, [])).toBe(false);
    expect(offerTemplate(true, true, [line({})])).toBe(false);
    const refused = line({ status: "failed", details: { errcode: 45015 } });
    expect(offerTemplate(true, true, [refused])).toBe(true);
    const template = line({ id: "2", type: "template", status: "sent" });
    expect(offerTemplate(true, true, [refused, template])).toBe(true);
    expect(offerTemplate(true, true, [refused, line({ id: "3" })])).toBe(false);
  });
});

describe("a template line in the transcript", () => {
  const t = (key: string, values?: Record<string, string | number>) =>
    values?.reason ? `${key}:${values.reason}` : key;

  it("shows its title and filled fields", async () => {
    const { lineContent } = await import("../src/conversation/lines");
    const message = line({ type: "template", text: "订单状态\n订单号: A1\n状态: 已退款" });
    expect(lineContent(message)).toEqual({
      kind: "template",
      title: "订单状态",
      lines: ["订单号: A1", "状态: 已退款"],
    });
  });

  it("reads delivered, ambiguous and refused", async () => {
    const { statusText } = await import("../src/conversation/lines");
    const say = t as Parameters<typeof statusText>[1];
    expect(statusText(line({ type: "template", details: { delivery: "success" } }), say)).toBe(
      "transcript.status.delivered",
    );
    expect(statusText(line({ type: "template" }), say)).toBe("transcript.status.sent");
    const ambiguous = line({ type: "template", status: "failed", details: { ambiguous: true } });
    expect(statusText(ambiguous, say)).toBe(
      "transcript.status.failed:transcript.template.ambiguous",
    );
    const refused = line({ type: "template", status: "failed", details: { errcode: 43101 } });
    expect(statusText(refused, say)).toBe("transcript.status.failed:transcript.errcode.43101");
  });
});

describe("the admin's template form", () => {
  it("becomes the PUT body, numbers as numbers", async () => {
    const { bodyOf, emptyForm, formOf } = await import("../src/admin/accounts/templates");
    const form = { ...emptyForm(), title: " Order ", url: "" };
    form.fields = [{ key: " keyword1 ", label: "Order", maxLength: "32" }];
    expect(bodyOf(form)).toEqual({
      title: "Order",
      fields: [{ key: "keyword1", label: "Order", maxLength: 32 }],
      enabled: true,
      url: null,
      miniprogram: null,
      dailyQuota: 100_000,
    });
    expect(Number.isNaN(bodyOf({ ...form, dailyQuota: "lots" }).dailyQuota)).toBe(true);
    expect(formOf(template).fields[1]).toEqual({ key: "thing2", label: "状态", maxLength: "4" });
  });
});
