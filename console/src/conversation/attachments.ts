// Attachments are behind the agent's bearer token, so an <img src> or <a href> to the API
// cannot fetch them: the pane fetches the bytes with the session's client and shows them
// through a blob: URL (the CSP allows blob: for images and media), revoked when done.

import { useEffect, useState } from "preact/hooks";

import type { Api } from "../api/client";

/** The error an API answer carries ({"error": {"message"}}), or a plain description. */
export function errorMessage(error: unknown, fallback = ""): string {
  if (error && typeof error === "object" && "error" in error) {
    const detail = (error as { error?: { message?: unknown } }).error;
    if (detail && typeof detail.message === "string") return detail.message;
  }
  if (error instanceof Error) return error.message;
  return fallback;
}

export async function fetchAttachment(
  api: Api,
  conversationId: string,
  entryId: string,
): Promise<Blob> {
  const { data, error, response } = await api.GET(
    "/api/agent/conversations/{id}/attachments/{entryId}",
    { params: { path: { id: conversationId, entryId } }, parseAs: "blob" },
  );
  if (!data) throw new Error(errorMessage(error, `HTTP ${response.status}`));
  return data as Blob;
}

/** A customer's video's poster image (shared/pipeline/media.py keeps it with the video). */
export async function fetchThumbnail(
  api: Api,
  conversationId: string,
  entryId: string,
): Promise<Blob> {
  const { data, error, response } = await api.GET(
    "/api/agent/conversations/{id}/attachments/{entryId}/thumbnail",
    { params: { path: { id: conversationId, entryId } }, parseAs: "blob" },
  );
  if (!data) throw new Error(errorMessage(error, `HTTP ${response.status}`));
  return data as Blob;
}

/** A blob: URL for the attachment (or, with ``thumbnail``, its poster image) while the
 * component is shown (``enabled``). */
export function useAttachmentUrl(
  api: Api,
  conversationId: string,
  entryId: string,
  enabled: boolean,
  thumbnail = false,
): { url: string | null; failed: boolean } {
  const [state, setState] = useState<{ url: string | null; failed: boolean }>({
    url: null,
    failed: false,
  });
  useEffect(() => {
    if (!enabled) return;
    let url: string | null = null;
    let live = true;
    (thumbnail ? fetchThumbnail : fetchAttachment)(api, conversationId, entryId).then(
      (blob) => {
        if (!live) return;
        url = URL.createObjectURL(blob);
        setState({ url, failed: false });
      },
      () => live && setState({ url: null, failed: true }),
    );
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [api, conversationId, entryId, enabled, thumbnail]);
  return state;
}
