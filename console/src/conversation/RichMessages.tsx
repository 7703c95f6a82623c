import { useId, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { useI18n } from "../i18n";
import { errorMessage } from "./attachments";
import { Dialog } from "./Dialog";
import type { MessageView } from "./lines";

type Capabilities = components["schemas"]["Capabilities"];
type Kind = "video" | "news" | "card";

/** Send a video (with a thumbnail), one news article or a mini-program card: each in a small
 * dialog whose fields the API checks again (shared/model/rich_messages.py). */
export function RichMessages({
  api,
  conversationId,
  capabilities,
  onQueued,
}: {
  api: Api;
  conversationId: string;
  capabilities: Capabilities;
  onQueued: (message: MessageView) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState<Kind | null>(null);
  const opener = useRef<HTMLSelectElement>(null);
  const kinds: Kind[] = ["news"];
  if (capabilities.canSendFiles) kinds.unshift("video");
  if (capabilities.miniProgramAppIds?.length) kinds.push("card");
  const label: Record<Kind, string> = {
    video: t("rich.video"),
    news: t("rich.news"),
    card: t("rich.card"),
  };
  return (
    <span class="cv-rich">
      <select
        ref={opener}
        aria-label={t("rich.more")}
        disabled={!capabilities.canReply}
        value=""
        onChange={(event) => {
          const value = (event.target as HTMLSelectElement).value as Kind | "";
          if (value) setOpen(value);
        }}
      >
        <option value="">{t("rich.more")}</option>
        {kinds.map((kind) => (
          <option key={kind} value={kind}>
            {label[kind]}
          </option>
        ))}
      </select>
      {open && (
        <Dialog title={label[open]} onClose={() => setOpen(null)} returnFocus={opener}>
          <RichForm
            api={api}
            conversationId={conversationId}
            capabilities={capabilities}
            kind={open}
            onDone={(message) => {
              onQueued(message);
              setOpen(null);
            }}
            onCancel={() => setOpen(null)}
          />
        </Dialog>
      )}
    </span>
  );
}

function RichForm({
  api,
  conversationId,
  capabilities,
  kind,
  onDone,
  onCancel,
}: {
  api: Api;
  conversationId: string;
  capabilities: Capabilities;
  kind: Kind;
  onDone: (message: MessageView) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const apps = capabilities.miniProgramAppIds ?? [];

  const submit = async (form: HTMLFormElement) => {
    const fields = new FormData(form);
    const value = (name: string) => String(fields.get(name) ?? "").trim();
    const path = { params: { path: { id: conversationId } } };
    setBusy(true);
    setError(null);
    let answer: { data?: MessageView; error?: unknown };
    if (kind === "news") {
      const news: components["schemas"]["NewsArticle"] = {
        title: value("title"),
        url: value("url"),
        description: value("description") || null,
        picUrl: value("picUrl") || null,
      };
      answer = await api.POST("/api/agent/conversations/{id}/news", { ...path, body: { news } });
    } else {
      const body = new FormData();
      for (const name of kind === "video" ? ["title", "description"] : ["title", "appId", "pagePath"]) {
        if (value(name)) body.append(name, value(name));
      }
      for (const name of kind === "video" ? ["file", "thumb"] : ["thumb"]) {
        const file = fields.get(name);
        if (file instanceof File && file.size > 0) body.append(name, file, file.name);
      }
      answer =
        kind === "video"
          ? await api.POST("/api/agent/conversations/{id}/messages", {
              ...path,
              body: body as unknown as components["schemas"]["TextMessageRequest"],
            })
          : await api.POST("/api/agent/conversations/{id}/mini-program-cards", {
              ...path,
              body: body as unknown as components["schemas"]["MiniProgramCardUpload"],
            });
    }
    setBusy(false);
    if (answer.data) onDone(answer.data);
    else setError(t("reply.sendFailed", { message: errorMessage(answer.error) }));
  };

  const field = (name: string, label: string, input: preact.JSX.Element, hint?: string) => (
    <p class="cv-rich-field">
      <label for={`${id}-${name}`}>{label}</label>
      {input}
      {hint && <span class="cv-hint">{hint}</span>}
    </p>
  );
  const text = (name: string, required: boolean, maxLength: number, type = "text") => (
    <input id={`${id}-${name}`} name={name} type={type} required={required} maxLength={maxLength} />
  );

  return (
    <form
      class="cv-rich-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit(event.currentTarget);
      }}
    >
      {kind === "video" && (
        <>
          {field(
            "file",
            t("rich.video.file"),
            <input id={`${id}-file`} name="file" type="file" accept="video/mp4" required />,
          )}
          {field(
            "thumb",
            t("rich.video.thumb"),
            <input id={`${id}-thumb`} name="thumb" type="file" accept="image/jpeg" />,
          )}
          {field("title", t("rich.title"), text("title", false, 64))}
          {field("description", t("rich.description"), text("description", false, 120))}
        </>
      )}
      {kind === "news" && (
        <>
          {field("title", t("rich.title"), text("title", true, 64))}
          {field("description", t("rich.description"), text("description", false, 120))}
          {field("url", t("rich.url"), text("url", true, 1000, "url"))}
          {field("picUrl", t("rich.picUrl"), text("picUrl", false, 1000, "url"))}
        </>
      )}
      {kind === "card" && (
        <>
          {field(
            "appId",
            t("rich.card.app"),
            <select id={`${id}-appId`} name="appId" required>
              {apps.map((app) => (
                <option key={app} value={app}>
                  {app}
                </option>
              ))}
            </select>,
          )}
          {field("title", t("rich.title"), text("title", true, 64))}
          {field("pagePath", t("rich.card.pagePath"), text("pagePath", true, 1000), t("rich.card.pagePathHint"))}
          {field(
            "thumb",
            t("rich.card.cover"),
            <input id={`${id}-thumb`} name="thumb" type="file" accept="image/jpeg,image/png" required />,
          )}
        </>
      )}
      {error && (
        <p role="alert" class="cv-error">
          {error}
        </p>
      )}
      <div class="cv-dialog-buttons">
        <button type="button" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="submit" class="cv-primary" disabled={busy}>
          {busy ? t("reply.sending") : t("reply.send")}
        </button>
      </div>
    </form>
  );
}
