import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { errorMessage, fetchAttachment, useAttachmentUrl } from "./attachments";
import { RichLine } from "./RichLine";
import {
  attachmentError,
  delivery,
  eventText,
  lineContent,
  lineKind,
  type LineKind,
  mapUrl,
  type MessageView,
  safeUrl,
  statusText,
} from "./lines";
import { TapMenuContent } from "./TapMenu";
import { tapMenuOf } from "./tapMenus";

const FROM: Record<LineKind, MessageKey> = {
  customer: "transcript.from.customer",
  event: "transcript.from.customer",
  bot: "transcript.from.bot",
  automated: "transcript.from.automated",
  agent: "transcript.from.agent",
};

/** The time of a line: hours and minutes today, with the date on other days. */
export function formatTime(iso: string, language: string, now: Date = new Date()): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(language, {
    ...(sameDay ? {} : { year: "numeric", month: "short", day: "numeric" }),
    hour: "2-digit",
    minute: "2-digit",
  }).format(at);
}

/** The conversation's lines as an ARIA log, newest at the bottom, kept in view as they come. */
export function Transcript({
  api,
  conversationId,
  messages,
  botSummary,
}: {
  api: Api;
  conversationId: string;
  messages: MessageView[];
  botSummary: string | null;
}) {
  const { t } = useI18n();
  const log = useRef<HTMLDivElement>(null);
  // Follow new lines (and a status growing into a failure reason) while the agent is at the
  // bottom; leave the view alone while they read further up.
  const atBottom = useRef(true);
  const count = messages.length;
  useLayoutEffect(() => {
    atBottom.current = true;
  }, [conversationId]);
  useLayoutEffect(() => {
    const element = log.current;
    if (element && atBottom.current) element.scrollTop = element.scrollHeight;
  }, [messages, conversationId]);

  let lastBot = -1;
  messages.forEach((message, i) => {
    if (lineKind(message) === "bot") lastBot = i;
  });
  const summary = botSummary ? (
    <li key="bot-summary" class="cv-line cv-summary">
      <span class="cv-summary-label">{t("transcript.botSummary")}</span>
      <p class="cv-text">{botSummary}</p>
    </li>
  ) : null;

  return (
    <div
      ref={log}
      class="cv-transcript"
      role="log"
      aria-label={t("transcript.label")}
      aria-live="polite"
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget as HTMLDivElement;
        atBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
      }}
    >
      {count === 0 && !botSummary ? (
        <p class="cv-empty">{t("transcript.empty")}</p>
      ) : (
        <ol>
          {lastBot < 0 && summary}
          {messages.map((message, i) => [
            <Line key={message.id} api={api} conversationId={conversationId} message={message} />,
            i === lastBot ? summary : null,
          ])}
        </ol>
      )}
    </div>
  );
}

function Line({
  api,
  conversationId,
  message,
}: {
  api: Api;
  conversationId: string;
  message: MessageView;
}) {
  const { t, language } = useI18n();
  const kind = lineKind(message);
  const time = (
    <time dateTime={message.createdAt}>{formatTime(message.createdAt, language)}</time>
  );
  if (kind === "event") {
    return (
      <li class="cv-line cv-line-event">
        <span>{eventText(message, t)}</span> {time}
      </li>
    );
  }
  const state = delivery(message);
  return (
    <li class={`cv-line cv-line-${kind}${state ? ` cv-${state}` : ""}`}>
      <div class="cv-bubble">
        <Content api={api} conversationId={conversationId} message={message} kind={kind} />
      </div>
      <div class="cv-meta">
        <span class="cv-from">{t(FROM[kind])}</span>
        {time}
        {state && <span class="cv-status">{statusText(message, t)}</span>}
      </div>
    </li>
  );
}

function Content({
  api,
  conversationId,
  message,
  kind,
}: {
  api: Api;
  conversationId: string;
  message: MessageView;
  kind: LineKind;
}) {
  const { t } = useI18n();
  const menu = tapMenuOf(message);
  if (menu) return <TapMenuContent menu={menu} />;
  const content = lineContent(message);
  const attachment = message.attachment;
  const missing = attachmentError(message);
  const fetching = (
    <p class="cv-note">
      {missing ? t("transcript.fetchFailed", { reason: missing }) : t("transcript.fetching")}
    </p>
  );
  if (content.kind === "sentVideo" || content.kind === "news" || content.kind === "miniProgram") {
    return (
      <RichLine api={api} conversationId={conversationId} message={message} content={content} />
    );
  }
  switch (content.kind) {
    case "text":
      return <p class="cv-text">{content.text}</p>;
    case "notKept":
      return <p class="cv-note">{t("transcript.notKept")}</p>;
    case "image":
      if (!attachment) {
        return message.direction === "out" ? (
          <p class="cv-note">{t("transcript.imageLibrary")}</p>
        ) : (
          fetching
        );
      }
      return (
        <Image
          api={api}
          conversationId={conversationId}
          entryId={message.id}
          alt={t("transcript.imageAlt", { who: t(FROM[kind]) })}
        />
      );
    case "voice":
      return (
        <div class="cv-media">
          <p class="cv-label">{t("transcript.voice")}</p>
          {message.direction === "in" && (
            <p class="cv-text">
              {content.recognition
                ? t("transcript.recognition", { text: content.recognition })
                : t("transcript.noRecognition")}
            </p>
          )}
          {attachment ? (
            <Download
              api={api}
              conversationId={conversationId}
              entryId={message.id}
              filename={attachment.filename}
              label={t("transcript.download")}
            />
          ) : (
            message.direction === "in" && fetching
          )}
        </div>
      );
    case "video":
    case "file":
      if (!attachment) return content.kind === "file" ? <p class="cv-text">{content.filename}</p> : fetching;
      return (
        <div class="cv-media">
          {content.kind === "video" && <p class="cv-label">{t("transcript.video")}</p>}
          {content.kind === "video" && message.thumbnail && (
            <Image
              api={api}
              conversationId={conversationId}
              entryId={message.id}
              alt={t("transcript.videoPoster")}
              thumbnail
            />
          )}
          <Download
            api={api}
            conversationId={conversationId}
            entryId={message.id}
            filename={attachment.filename}
            label={attachment.filename}
          />
        </div>
      );
    case "location": {
      const map = mapUrl(content.latitude, content.longitude, content.label);
      return (
        <div class="cv-media cv-card">
          <p class="cv-label">{t("transcript.location")}</p>
          {content.label && <p class="cv-card-title">{content.label}</p>}
          <p class="cv-coords">
            {t("transcript.coordinates", {
              latitude: content.latitude,
              longitude: content.longitude,
            })}
          </p>
          {map && (
            <a href={map} target="_blank" rel="noopener noreferrer" class="cv-url">
              {t("transcript.openMap")}
            </a>
          )}
        </div>
      );
    }
    case "miniprogram":
      return (
        <div class="cv-card">
          <p class="cv-label">{t("transcript.miniProgram")}</p>
          <p class="cv-card-title">{content.title || t("transcript.miniProgramUntitled")}</p>
          <dl class="cv-card-fields">
            <dt>{t("transcript.miniProgramAppId")}</dt>
            <dd>
              <code>{content.appId}</code>
            </dd>
            <dt>{t("transcript.miniProgramPage")}</dt>
            <dd>
              <code>{content.pagePath}</code>
            </dd>
          </dl>
        </div>
      );
    case "template":
      return (
        <div class="cv-card cv-template-card">
          <p class="cv-label">{t("transcript.template")}</p>
          <p class="cv-card-title">{content.title}</p>
          {content.lines.map((text, i) => (
            <p key={i} class="cv-text">
              {text}
            </p>
          ))}
        </div>
      );
    case "link": {
      const href = safeUrl(content.url);
      return (
        <div class="cv-card">
          <p class="cv-label">{t("transcript.link")}</p>
          <p class="cv-card-title">{content.title || content.url}</p>
          {content.description && <p class="cv-text">{content.description}</p>}
          {href ? (
            <a href={href} target="_blank" rel="noopener noreferrer" class="cv-url">
              {content.url}
            </a>
          ) : (
            <p class="cv-url">
              {content.url} {t("transcript.unsafeLink")}
            </p>
          )}
        </div>
      );
    }
    default:
      return (
        <p class="cv-text">
          {content.text ?? t("transcript.other", { type: content.type })}
        </p>
      );
  }
}

function Image({
  api,
  conversationId,
  entryId,
  alt,
  thumbnail = false,
}: {
  api: Api;
  conversationId: string;
  entryId: string;
  alt: string;
  thumbnail?: boolean;
}) {
  const { t } = useI18n();
  const { url, failed } = useAttachmentUrl(api, conversationId, entryId, true, thumbnail);
  if (failed) return <p class="cv-note">{t("transcript.imageFailed")}</p>;
  if (!url) return <p class="cv-note">{t("transcript.imageLoading")}</p>;
  return <img class="cv-image" src={url} alt={alt} />;
}

/** A download link: the bytes are fetched with the bearer on the first click, then the link
 * points at their blob: URL and the browser saves it under ``filename``. */
function Download({
  api,
  conversationId,
  entryId,
  filename,
  label,
}: {
  api: Api;
  conversationId: string;
  entryId: string;
  filename: string;
  label: string;
}) {
  const { t } = useI18n();
  const link = useRef<HTMLAnchorElement>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [clickWhenReady, setClickWhenReady] = useState(false);
  useEffect(() => () => void (url && URL.revokeObjectURL(url)), [url]);
  useEffect(() => {
    if (url && clickWhenReady) {
      setClickWhenReady(false);
      link.current?.click();
    }
  }, [url, clickWhenReady]);
  const onClick = (event: MouseEvent) => {
    if (url) return; // the blob: URL is there: the browser downloads it
    event.preventDefault();
    setError(null);
    fetchAttachment(api, conversationId, entryId).then(
      (blob) => {
        setUrl(URL.createObjectURL(blob));
        setClickWhenReady(true);
      },
      (failure: unknown) => setError(errorMessage(failure)),
    );
  };
  return (
    <>
      <a
        ref={link}
        class="cv-download"
        href={url ?? `/api/agent/conversations/${encodeURIComponent(conversationId)}/attachments/${encodeURIComponent(entryId)}`}
        download={filename}
        onClick={onClick}
      >
        {label}
      </a>
      {error && (
        <p role="alert" class="cv-error">
          {t("transcript.downloadFailed", { message: error })}
        </p>
      )}
    </>
  );
}
