// The admin's form for one template message, kept apart from the page so its rules (what a
// row of the form becomes in the API's body) are tested without a browser.

import type { components } from "../../api/schema";

export type TemplateView = components["schemas"]["TemplateView"];
export type TemplateFields = components["schemas"]["TemplateFields"];

export interface FieldRow {
  key: string;
  label: string;
  maxLength: string;
}

export interface TemplateForm {
  templateId: string;
  title: string;
  fields: FieldRow[];
  enabled: boolean;
  url: string;
  dailyQuota: string;
}

export const DEFAULT_DAILY_QUOTA = 100_000;

export function emptyForm(): TemplateForm {
  return {
    templateId: "",
    title: "",
    fields: [{ key: "", label: "", maxLength: "20" }],
    enabled: true,
    url: "",
    dailyQuota: String(DEFAULT_DAILY_QUOTA),
  };
}

export function formOf(template: TemplateView): TemplateForm {
  return {
    templateId: template.templateId,
    title: template.title,
    fields: template.fields.map((f) => ({
      key: f.key,
      label: f.label,
      maxLength: String(f.maxLength ?? 20),
    })),
    enabled: template.enabled,
    url: template.url ?? "",
    dailyQuota: String(template.dailyQuota),
  };
}

/** The PUT body; numbers that are not numbers go as they are, for the API to name them. The
 * miniprogram link is kept from ``current`` (the form does not edit it). */
export function bodyOf(form: TemplateForm, current?: TemplateView | null): TemplateFields {
  const number = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN);
  return {
    title: form.title.trim(),
    fields: form.fields.map((row) => ({
      key: row.key.trim(),
      label: row.label.trim(),
      maxLength: number(row.maxLength),
    })),
    enabled: form.enabled,
    url: form.url.trim() || null,
    miniprogram: current?.miniprogram ?? null,
    dailyQuota: number(form.dailyQuota),
  };
}
