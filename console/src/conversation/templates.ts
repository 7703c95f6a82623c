// Template messages in the reply area: when WeChat's reply window has closed, the agent fills
// one of the account's approved templates instead. The checks mirror the server's
// (shared/model/templates.py), so the agent sees a problem before sending; the server checks
// again and has the last word.

import type { components } from "../api/schema";
import type { MessageView } from "./lines";

export type TemplateView = components["schemas"]["TemplateView"];
type TemplateField = components["schemas"]["TemplateField"];

export type FieldProblem = { kind: "empty" } | { kind: "tooLong"; length: number; max: number };

/** Characters as WeChat counts them (code points: 退 is one, not three bytes). */
export function characters(value: string): number {
  return [...value].length;
}

/** What is wrong with one value, or null when it may go. */
export function fieldProblem(field: TemplateField, value: string | undefined): FieldProblem | null {
  const trimmed = (value ?? "").trim();
  if (!trimmed) return { kind: "empty" };
  const length = characters(trimmed);
  const max = field.maxLength ?? 20;
  return length > max ? { kind: "tooLong", length, max } : null;
}

/** Whether every field is filled and fits. */
export function readyToSend(template: TemplateView, values: Record<string, string>): boolean {
  return template.fields.every((field) => fieldProblem(field, values[field.key]) === null);
}

/** The values as the API takes them: trimmed, the template's fields only. */
export function requestFields(
  template: TemplateView,
  values: Record<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    template.fields.map((field) => [field.key, (values[field.key] ?? "").trim()]),
  );
}

/** The preview: the title, then "label: value" lines, as the transcript will show it. */
export function previewLines(template: TemplateView, values: Record<string, string>): string[] {
  return [
    template.title,
    ...template.fields.map((field) => `${field.label}: ${(values[field.key] ?? "").trim()}`),
  ];
}

/** Whether the console should offer a template: the agent may reply but WeChat will not take
 * a customer-service message (the window is closed or used up, or the last reply was refused
 * with 45015, the window having closed on WeChat's side). */
export function offerTemplate(
  canReply: boolean,
  windowIsOpen: boolean,
  messages: readonly MessageView[],
): boolean {
  if (!canReply) return false;
  if (!windowIsOpen) return true;
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (!message || message.direction !== "out" || message.type === "template") continue;
    return message.status === "failed" && message.details.errcode === 45015;
  }
  return false;
}
