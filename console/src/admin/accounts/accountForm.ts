// The WeChat account form's rules, the same as the API's (shared/model/accounts.py), so that a wrong
// value is named next to its field before anything is sent; and the random Token and
// EncodingAESKey an admin can generate instead of inventing them.

import type { MessageKey } from "../../i18n/messages";

export type Mode = "safe" | "compatible" | "plaintext";

export interface AccountFields {
  name: string;
  originalId: string;
  appId: string;
  appSecret: string;
  token: string;
  encodingAesKey: string;
  messageMode: Mode;
  sandbox: boolean;
}

export type FieldName = Exclude<keyof AccountFields, "sandbox">;
export type FieldErrors = Partial<Record<FieldName, string>>;

export const EMPTY: AccountFields = {
  name: "",
  originalId: "",
  appId: "",
  appSecret: "",
  token: "",
  encodingAesKey: "",
  messageMode: "safe",
  sandbox: false,
};

const RULES: Record<Exclude<FieldName, "messageMode">, [RegExp, MessageKey]> = {
  name: [/^.{1,100}$/su, "accounts.rule.name"],
  originalId: [/^gh_[0-9A-Za-z]{1,64}$/, "accounts.rule.originalId"],
  appId: [/^wx[0-9a-f]{16}$/, "accounts.rule.appId"],
  appSecret: [/^[0-9a-f]{32}$/, "accounts.rule.appSecret"],
  token: [/^[A-Za-z0-9]{3,32}$/, "accounts.rule.token"],
  encodingAesKey: [/^[A-Za-z0-9]{43}$/, "accounts.rule.encodingAesKey"],
};

/** What each field expects: the text shown next to it when it is wrong. */
export function ruleOf(field: FieldName): MessageKey {
  return field === "messageMode" ? "accounts.rule.sandboxMode" : RULES[field][1];
}

/** The fields that are wrong → the message key saying what each expects. ``only`` limits the
 * check to the fields being changed (an edit leaves secrets empty to keep them). */
export function validate(
  fields: AccountFields,
  only?: ReadonlySet<FieldName>,
): Partial<Record<FieldName, MessageKey>> {
  const wrong: Partial<Record<FieldName, MessageKey>> = {};
  for (const [field, [pattern, key]] of Object.entries(RULES) as [
    Exclude<FieldName, "messageMode">,
    [RegExp, MessageKey],
  ][]) {
    if (only && !only.has(field)) continue;
    if (!pattern.test(fields[field])) wrong[field] = key;
  }
  if (fields.sandbox && fields.messageMode !== "plaintext") {
    wrong.messageMode = "accounts.rule.sandboxMode";
  }
  return wrong;
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** ``length`` random letters and digits, unbiased (bytes past the last whole multiple of 62 are
 * drawn again). */
export function randomAlphanumeric(
  length: number,
  fill: (bytes: Uint8Array) => Uint8Array = (bytes) => crypto.getRandomValues(bytes),
): string {
  const limit = 256 - (256 % ALPHANUMERIC.length);
  let out = "";
  while (out.length < length) {
    for (const byte of fill(new Uint8Array(length))) {
      if (byte < limit && out.length < length) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
    }
  }
  return out;
}

export const generateToken = () => randomAlphanumeric(32);
export const generateEncodingAesKey = () => randomAlphanumeric(43);

const API_FIELDS: ReadonlySet<string> = new Set<FieldName>([
  "name",
  "originalId",
  "appId",
  "appSecret",
  "token",
  "encodingAesKey",
  "messageMode",
]);

/** An API error's field, when it is one of the form's. */
export function formField(field: string | undefined): FieldName | null {
  return field && API_FIELDS.has(field) ? (field as FieldName) : null;
}

/** The body of a PATCH: what differs from the account, secrets only when replaced. */
export function patchOf(
  fields: AccountFields,
  before: Pick<AccountFields, "name" | "originalId" | "appId" | "messageMode" | "sandbox">,
  replaced: ReadonlySet<FieldName>,
): Partial<AccountFields> {
  const patch: Partial<AccountFields> = {};
  for (const field of ["name", "originalId", "appId", "messageMode"] as const) {
    if (fields[field] !== before[field]) (patch as Record<string, unknown>)[field] = fields[field];
  }
  if (fields.sandbox !== before.sandbox) patch.sandbox = fields.sandbox;
  for (const field of ["appSecret", "token", "encodingAesKey"] as const) {
    if (replaced.has(field)) patch[field] = fields[field];
  }
  return patch;
}

/** The linked mini-programs' AppIDs typed as one comma-separated text → the list the API takes,
 * and the entries that are not an AppID (``wx`` followed by 16 hex digits). */
export function miniProgramIds(text: string): { ids: string[]; wrong: string[] } {
  const ids = [...new Set(text.split(/[\s,，]+/u).filter(Boolean))];
  return { ids, wrong: ids.filter((id) => !/^wx[0-9a-f]{16}$/.test(id)) };
}
