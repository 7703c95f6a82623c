// The checks a file passes before it is uploaded, the same the app makes (shared/desk/workspace.py):
// images and voice are recognised by their first bytes and go as WeChat media with WeChat's
// limit; any other file goes as a link, up to maxFileBytes. Refusing here saves uploading
// 20 MB to hear "too large".

import type { components } from "../api/schema";

type MediaLimit = components["schemas"]["MediaLimit"];

/** First bytes → content type, as the app recognises them. */
const SIGNATURES: ReadonlyArray<readonly [number[], string]> = [
  [[0xff, 0xd8, 0xff], "image/jpeg"],
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "image/png"],
  [[0x47, 0x49, 0x46, 0x38, 0x37, 0x61], "image/gif"],
  [[0x47, 0x49, 0x46, 0x38, 0x39, 0x61], "image/gif"],
  [[0x23, 0x21, 0x41, 0x4d, 0x52], "audio/amr"],
  [[0x49, 0x44, 0x33], "audio/mpeg"],
  [[0xff, 0xfb], "audio/mpeg"],
  [[0xff, 0xf3], "audio/mpeg"],
  [[0xff, 0xf2], "audio/mpeg"],
];

/** How many first bytes ``sniff`` needs. */
export const SNIFF_BYTES = 8;

export function sniff(head: Uint8Array): string | null {
  for (const [signature, contentType] of SIGNATURES) {
    if (signature.every((byte, i) => head[i] === byte)) return contentType;
  }
  return null;
}

export type FileVerdict =
  | { ok: true; kind: string }
  | { ok: false; why: "empty" }
  | { ok: false; why: "tooLarge"; maxBytes: number }
  | { ok: false; why: "mediaTooLarge"; kind: string; maxBytes: number };

/** Whether a file of ``size`` bytes starting with ``head`` may be sent, and as what. */
export function checkFile(
  size: number,
  head: Uint8Array,
  maxFileBytes: number,
  mediaLimits: readonly MediaLimit[],
): FileVerdict {
  if (size === 0) return { ok: false, why: "empty" };
  const contentType = sniff(head);
  const media = contentType
    ? mediaLimits.find((limit) => limit.contentTypes.includes(contentType))
    : undefined;
  if (media) {
    if (size > media.maxBytes) {
      return { ok: false, why: "mediaTooLarge", kind: media.type, maxBytes: media.maxBytes };
    }
    return { ok: true, kind: media.type };
  }
  if (size > maxFileBytes) return { ok: false, why: "tooLarge", maxBytes: maxFileBytes };
  return { ok: true, kind: "file" };
}

/** "2 MB", "20 MB", "512 KB": limits are whole binary megabytes in practice. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    const mb = bytes / (1024 * 1024);
    return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
  }
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${bytes} B`;
}
