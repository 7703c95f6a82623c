// The menu editor's model: buttons as the form holds them, WeChat's limits checked as the
// server checks them (shared/model/menus.py), and the body of PUT /api/admin/accounts/{id}/menu.

import type { components } from "../../api/schema";
import type { MessageKey } from "../../i18n/messages";

export type AccountMenu = components["schemas"]["AccountMenu"];
export type MenuView = components["schemas"]["MenuView"];

export const MAX_BUTTONS = 3;
export const MAX_SUB_BUTTONS = 5;
export const MAX_TOP_NAME_BYTES = 16;
export const MAX_SUB_NAME_BYTES = 60;
export const MAX_KEY_BYTES = 128;
export const MAX_URL_BYTES = 1024;

export type Action = "click" | "view";
export interface SubDraft {
  name: string;
  type: Action;
  key: string;
  url: string;
}
export interface ButtonDraft extends SubDraft {
  /** With sub-buttons a button opens them and has no action of its own. */
  parent: boolean;
  subs: SubDraft[];
}

export interface Problem {
  /** The API's field path: buttons.1.subButtons.0.name */
  path: string;
  key: MessageKey;
  values?: Record<string, string | number>;
}

export function bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function newSub(): SubDraft {
  return { name: "", type: "click", key: "", url: "" };
}

export function newButton(): ButtonDraft {
  return { ...newSub(), parent: false, subs: [] };
}

function subOf(b: { name: string; type?: string | null; key?: string | null; url?: string | null }): SubDraft {
  return { name: b.name, type: b.type === "view" ? "view" : "click", key: b.key ?? "", url: b.url ?? "" };
}

export function draftOf(menu: AccountMenu | null | undefined): ButtonDraft[] {
  return (menu?.buttons ?? []).map((b) => {
    const subs = (b.subButtons ?? []).map(subOf);
    return { ...subOf(b), parent: subs.length > 0, subs };
  });
}

function action(b: SubDraft): { type: Action; key?: string; url?: string } {
  return b.type === "click" ? { type: "click", key: b.key } : { type: "view", url: b.url };
}

/** The body of the PUT: only what each button's kind uses. (The generated type wants every
 * field that has a default; the API takes them left out.) */
export function menuOf(buttons: ButtonDraft[]): AccountMenu {
  const body = {
    buttons: buttons.map((b) =>
      b.parent
        ? { name: b.name, subButtons: b.subs.map((s) => ({ name: s.name, ...action(s) })) }
        : { name: b.name, ...action(b) },
    ),
  };
  return body as unknown as AccountMenu;
}

function checkAction(b: SubDraft, path: string, out: Problem[], seen: Map<string, string>): void {
  if (b.type === "click") {
    if (!b.key) out.push({ path: `${path}.key`, key: "menu.problem.keyMissing" });
    else if (bytes(b.key) > MAX_KEY_BYTES)
      out.push({ path: `${path}.key`, key: "menu.problem.tooLong", values: { size: bytes(b.key), limit: MAX_KEY_BYTES } });
    else if (seen.has(b.key)) out.push({ path: `${path}.key`, key: "menu.problem.keyTwice", values: { key: b.key } });
    else seen.set(b.key, path);
  } else if (!/^https?:\/\/[^/\s]+/.test(b.url)) {
    out.push({ path: `${path}.url`, key: "menu.problem.url" });
  } else if (bytes(b.url) > MAX_URL_BYTES) {
    out.push({ path: `${path}.url`, key: "menu.problem.tooLong", values: { size: bytes(b.url), limit: MAX_URL_BYTES } });
  }
}

function checkName(name: string, limit: number, path: string, out: Problem[]): void {
  if (!name) out.push({ path: `${path}.name`, key: "menu.problem.nameMissing" });
  else if (bytes(name) > limit)
    out.push({ path: `${path}.name`, key: "menu.problem.tooLong", values: { size: bytes(name), limit } });
}

/** WeChat's limits, each problem at the field the API would name. */
export function problems(buttons: ButtonDraft[]): Problem[] {
  const out: Problem[] = [];
  const seen = new Map<string, string>();
  if (buttons.length === 0) out.push({ path: "buttons", key: "menu.problem.noButtons" });
  if (buttons.length > MAX_BUTTONS) out.push({ path: "buttons", key: "menu.problem.tooManyButtons" });
  buttons.forEach((b, i) => {
    const path = `buttons.${i}`;
    checkName(b.name, MAX_TOP_NAME_BYTES, path, out);
    if (!b.parent) return checkAction(b, path, out, seen);
    if (b.subs.length === 0) out.push({ path: `${path}.subButtons`, key: "menu.problem.noSubButtons" });
    if (b.subs.length > MAX_SUB_BUTTONS) out.push({ path: `${path}.subButtons`, key: "menu.problem.tooManySubButtons" });
    b.subs.forEach((s, j) => {
      checkName(s.name, MAX_SUB_NAME_BYTES, `${path}.subButtons.${j}`, out);
      checkAction(s, `${path}.subButtons.${j}`, out, seen);
    });
  });
  return out;
}
