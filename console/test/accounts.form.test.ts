import { describe, expect, it } from "vitest";

import {
  EMPTY,
  formField,
  generateEncodingAesKey,
  generateToken,
  patchOf,
  randomAlphanumeric,
  validate,
} from "../src/admin/accounts/accountForm";

const GOOD = {
  ...EMPTY,
  name: "Demo shop",
  originalId: "gh_0123456789ab",
  appId: "wx0123456789abcdef",
  appSecret: "0123456789abcdef0123456789abcdef",
  token: "abc123",
  encodingAesKey: "A".repeat(43),
};

describe("validate", () => {
  it("accepts what the API accepts", () => {
    expect(validate(GOOD)).toEqual({});
  });

  it("names each wrong field with what it expects", () => {
    expect(
      validate({ ...GOOD, encodingAesKey: "A".repeat(42), appId: "wx123", originalId: "abc" }),
    ).toEqual({
      encodingAesKey: "accounts.rule.encodingAesKey",
      appId: "accounts.rule.appId",
      originalId: "accounts.rule.originalId",
    });
    expect(validate({ ...GOOD, appSecret: "G".repeat(32) })).toEqual({
      appSecret: "accounts.rule.appSecret",
    });
    expect(validate({ ...GOOD, token: "a-b" })).toEqual({ token: "accounts.rule.token" });
    expect(validate({ ...GOOD, name: "" })).toEqual({ name: "accounts.rule.name" });
  });

  it("wants a sandbox account in plaintext", () => {
    expect(validate({ ...GOOD, sandbox: true })).toEqual({
      messageMode: "accounts.rule.sandboxMode",
    });
    expect(validate({ ...GOOD, sandbox: true, messageMode: "plaintext" })).toEqual({});
  });

  it("checks only the fields an edit changes", () => {
    const edit = { ...GOOD, appSecret: "", token: "", encodingAesKey: "" };
    expect(validate(edit, new Set(["name", "originalId", "appId"]))).toEqual({});
    expect(validate(edit, new Set(["name", "token"]))).toEqual({ token: "accounts.rule.token" });
  });
});

describe("generated secrets", () => {
  it("are letters and digits of the lengths WeChat takes", () => {
    expect(generateToken()).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(generateEncodingAesKey()).toMatch(/^[A-Za-z0-9]{43}$/);
    expect(generateEncodingAesKey()).not.toEqual(generateEncodingAesKey());
  });

  it("draw again past the last whole multiple of 62 (no bias)", () => {
    let call = 0;
    const fill = (bytes: Uint8Array) => bytes.fill(call++ === 0 ? 255 : 1);
    expect(randomAlphanumeric(4, fill)).toBe("BBBB");
  });
});

describe("the API's fields", () => {
  it("are mapped to the form's, others are not", () => {
    expect(formField("encodingAesKey")).toBe("encodingAesKey");
    expect(formField("callback")).toBeNull();
    expect(formField(undefined)).toBeNull();
  });

  it("a patch carries what changed and the secrets replaced", () => {
    const before = { ...GOOD };
    expect(patchOf({ ...GOOD, name: "New", token: "xyz" }, before, new Set())).toEqual({
      name: "New",
    });
    expect(patchOf({ ...GOOD, token: "xyz" }, before, new Set(["token"]))).toEqual({
      token: "xyz",
    });
  });
});
