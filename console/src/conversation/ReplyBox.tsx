import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { useI18n } from "../i18n";
import { errorMessage } from "./attachments";
import { checkFile, formatBytes, SNIFF_BYTES } from "./files";
import { replyKeyAction } from "./keys";
import { TypingReporter } from "./typing";
import type { MessageView } from "./lines";
import { RichMessages } from "./RichMessages";
import { TapMenuButton } from "./TapMenu";

type Capabilities = components["schemas"]["Capabilities"];
type QuickReply = components["schemas"]["QuickReplyView"];

/** What the agent had typed in each conversation they left unsent, for this page's life only
 * (never in the browser's storage: it may hold what a customer told them). */
const drafts = new Map<string, string>();

/** The reply box: text (Enter sends), quick replies sent as the API fills them, and a file. */
export function ReplyBox({
  api,
  conversationId,
  capabilities,
  blocked,
  onQueued,
}: {
  api: Api;
  conversationId: string;
  capabilities: Capabilities;
  /** Why replying is not possible now, shown instead of the box's controls working. */
  blocked: string | null;
  onQueued: (message: MessageView) => void;
}) {
  const { t } = useI18n();
  const [text, setDraft] = useState(() => drafts.get(conversationId) ?? "");
  const setText = (value: string) => {
    setDraft(value);
    if (value) drafts.set(conversationId, value);
    else drafts.delete(conversationId);
  };
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [quickReplies, setQuickReplies] = useState<QuickReply[] | null | "closed">("closed");
  const box = useRef<HTMLTextAreaElement>(null);
  const quickButton = useRef<HTMLButtonElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const hintId = useId();
  const blockedId = useId();
  const listId = useId();
  const disabled = !capabilities.canReply;
  // Best effort: a report that fails changes nothing the agent needs to know.
  const typing = useMemo(
    () =>
      new TypingReporter((value) => {
        api
          .POST("/api/agent/conversations/{id}/typing", {
            params: { path: { id: conversationId } },
            body: { typing: value },
          })
          .catch(() => undefined);
      }),
    [api, conversationId],
  );
  useEffect(() => () => typing.stopped(), [typing]);

  const post = async (body: { text: string } | { quickReply: string } | FormData) => {
    setError(null);
    const { data, error: failure } = await api.POST("/api/agent/conversations/{id}/messages", {
      params: { path: { id: conversationId } },
      // One field only (the API wants exactly one of text and quickReply, and null is not
      // "absent"); a FormData body goes as multipart, left to the browser by openapi-fetch.
      body: body as unknown as components["schemas"]["TextMessageRequest"],
    });
    if (data) {
      onQueued(data);
      return true;
    }
    setError(t("reply.sendFailed", { message: errorMessage(failure) }));
    return false;
  };

  const sendText = async () => {
    if (busy || disabled || !text.trim()) return;
    setBusy(t("reply.sending"));
    if (await post({ text })) {
      setText("");
      typing.stopped();
    }
    setBusy(null);
    box.current?.focus();
  };

  const openQuickReplies = async () => {
    if (quickReplies !== "closed") {
      setQuickReplies("closed");
      return;
    }
    setQuickReplies(null);
    const { data, error: failure } = await api.GET(
      "/api/agent/conversations/{id}/quick-replies",
      { params: { path: { id: conversationId } } },
    );
    if (data) setQuickReplies(data.quickReplies);
    else {
      setQuickReplies("closed");
      setError(t("actions.failed", { message: errorMessage(failure) }));
    }
  };

  const sendQuickReply = async (name: string) => {
    setQuickReplies("closed");
    setBusy(t("reply.sending"));
    await post({ quickReply: name });
    setBusy(null);
    box.current?.focus();
  };

  const attach = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    setError(null);
    const head = new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer());
    const verdict = checkFile(
      file.size,
      head,
      capabilities.maxFileBytes,
      capabilities.mediaLimits,
    );
    if (!verdict.ok) {
      input.value = "";
      const size = formatBytes(file.size);
      if (verdict.why === "empty") setError(t("reply.file.empty", { name: file.name }));
      else if (verdict.why === "tooLarge") {
        setError(
          t("reply.file.tooLarge", { name: file.name, size, max: formatBytes(verdict.maxBytes) }),
        );
      } else {
        const kind = verdict.kind === "voice" ? t("reply.kind.voice") : t("reply.kind.image");
        setError(
          t("reply.file.mediaTooLarge", {
            name: file.name,
            size,
            kind,
            max: formatBytes(verdict.maxBytes),
          }),
        );
      }
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    setBusy(t("reply.uploading", { name: file.name }));
    await post(form);
    setBusy(null);
    input.value = "";
  };

  const mediaMax = Math.max(
    0,
    ...capabilities.mediaLimits.filter((l) => l.type !== "video").map((l) => l.maxBytes),
  );
  const open = quickReplies !== "closed";

  return (
    <div class="cv-reply">
      {blocked && (
        <p id={blockedId} class="cv-blocked">
          {blocked}
        </p>
      )}
      <label class="cv-reply-label" for={`${hintId}-box`}>
        {t("reply.label")}
      </label>
      <textarea
        id={`${hintId}-box`}
        ref={box}
        class="cv-reply-box"
        rows={3}
        value={text}
        disabled={disabled}
        aria-describedby={blocked ? blockedId : hintId}
        onInput={(event) => {
          const value = (event.target as HTMLTextAreaElement).value;
          setText(value);
          typing.input(value);
        }}
        onKeyDown={(event) => {
          const action = replyKeyAction({
            key: event.key,
            shiftKey: event.shiftKey,
            isComposing: event.isComposing,
            keyCode: event.keyCode,
          });
          if (action === "send") {
            event.preventDefault();
            void sendText();
          }
        }}
      />
      <div class="cv-reply-bar">
        <span id={hintId} class="cv-hint">
          {busy ?? t("reply.hint")}
        </span>
        <div class="cv-quick">
          <button
            type="button"
            ref={quickButton}
            disabled={disabled}
            aria-expanded={open}
            aria-controls={listId}
            onClick={() => void openQuickReplies()}
          >
            {t("reply.quickReplies")}
          </button>
          {open && (
            <div
              id={listId}
              class="cv-quick-list"
              onKeyDown={(event) => {
                if (event.key === "Escape") {
                  setQuickReplies("closed");
                  quickButton.current?.focus();
                }
              }}
            >
              {quickReplies === null ? (
                <p class="cv-note">{t("reply.quickRepliesLoading")}</p>
              ) : quickReplies.length === 0 ? (
                <p class="cv-note">{t("reply.quickRepliesEmpty")}</p>
              ) : (
                <ul>
                  {quickReplies.map((reply, i) => (
                    <li key={reply.name}>
                      <button
                        type="button"
                        aria-label={reply.name}
                        aria-describedby={`${listId}-${i}`}
                        onClick={() => void sendQuickReply(reply.name)}
                      >
                        <span class="cv-quick-name">{reply.name}</span>
                        <span id={`${listId}-${i}`} class="cv-quick-text">
                          {reply.text}
                        </span>
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </div>
        <TapMenuButton api={api} conversationId={conversationId} disabled={disabled || !!busy} onQueued={onQueued} />
        {capabilities.canSendFiles && (
          <label class="cv-attach" title={t("reply.attachHint", { media: formatBytes(mediaMax), max: formatBytes(capabilities.maxFileBytes) })}>
            {t("reply.attach")}
            <input
              ref={fileInput}
              type="file"
              class="cv-file"
              disabled={!!busy}
              onChange={(event) => void attach(event.target as HTMLInputElement)}
            />
          </label>
        )}
        <RichMessages
          api={api}
          conversationId={conversationId}
          capabilities={capabilities}
          onQueued={onQueued}
        />
        <button
          type="button"
          class="cv-send"
          disabled={disabled || !!busy || !text.trim()}
          onClick={() => void sendText()}
        >
          {t("reply.send")}
        </button>
      </div>
      {error && (
        <p role="alert" class="cv-error">
          {error}
        </p>
      )}
    </div>
  );
}
