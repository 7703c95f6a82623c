import { describe, expect, it } from "vitest";

import { checkFile, formatBytes, sniff } from "../src/conversation/files";

const MB = 1024 * 1024;
const LIMITS = [
  { type: "image", contentTypes: ["image/jpeg", "image/png", "image/gif"], maxBytes: 2 * MB },
  { type: "voice", contentTypes: ["audio/amr", "audio/mpeg"], maxBytes: 2 * MB },
];
const bytes = (...values: number[]) => new Uint8Array(values);
const PNG = bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const PDF = new TextEncoder().encode("%PDF-1.7");

describe("a file before upload", () => {
  it("recognises images and voice by their first bytes, not their name", () => {
    expect(sniff(PNG)).toBe("image/png");
    expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe("image/jpeg");
    expect(sniff(new TextEncoder().encode("GIF89a.."))).toBe("image/gif");
    expect(sniff(new TextEncoder().encode("#!AMR\n"))).toBe("audio/amr");
    expect(sniff(new TextEncoder().encode("ID3\x04"))).toBe("audio/mpeg");
    expect(sniff(PDF)).toBeNull();
    expect(sniff(bytes())).toBeNull();
  });

  it("holds images and voice to WeChat's media limit", () => {
    expect(checkFile(2 * MB, PNG, 20 * MB, LIMITS)).toEqual({ ok: true, kind: "image" });
    expect(checkFile(2 * MB + 1, PNG, 20 * MB, LIMITS)).toEqual({
      ok: false,
      why: "mediaTooLarge",
      kind: "image",
      maxBytes: 2 * MB,
    });
  });

  it("holds other files to maxFileBytes and refuses empty ones", () => {
    expect(checkFile(5 * MB, PDF, 20 * MB, LIMITS)).toEqual({ ok: true, kind: "file" });
    expect(checkFile(20 * MB + 1, PDF, 20 * MB, LIMITS)).toEqual({
      ok: false,
      why: "tooLarge",
      maxBytes: 20 * MB,
    });
    expect(checkFile(0, bytes(), 20 * MB, LIMITS)).toEqual({ ok: false, why: "empty" });
  });

  it("says sizes as people read them", () => {
    expect(formatBytes(2 * MB)).toBe("2 MB");
    expect(formatBytes(2.5 * MB)).toBe("2.5 MB");
    expect(formatBytes(1536)).toBe("2 KB");
    expect(formatBytes(12)).toBe("12 B");
  });
});
