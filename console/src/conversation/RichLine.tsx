import type { Api } from "../api/client";
import { useI18n } from "../i18n";
import { useAttachmentUrl } from "./attachments";
import { type MessageView, type RichContent, safeUrl } from "./lines";

/** A video (with its title), a news article or a mini-program card the agent sent, as the
 * customer sees it in outline: the file and the cover come through the bearer (blob: URLs). */
export function RichLine({
  api,
  conversationId,
  message,
  content,
}: {
  api: Api;
  conversationId: string;
  message: MessageView;
  content: RichContent;
}) {
  const { t } = useI18n();
  const { url } = useAttachmentUrl(api, conversationId, message.id, message.attachment != null);
  switch (content.kind) {
    case "sentVideo":
      return (
        <div class="cv-card">
          <p class="cv-label">{t("transcript.video")}</p>
          {content.title && <p class="cv-card-title">{content.title}</p>}
          {content.description && <p class="cv-text">{content.description}</p>}
          {url && <video class="cv-image" src={url} controls preload="metadata" />}
        </div>
      );
    case "news": {
      const href = safeUrl(content.url);
      return (
        <div class="cv-card">
          <p class="cv-label">{t("transcript.news")}</p>
          <p class="cv-card-title">{content.title}</p>
          {content.description && <p class="cv-text">{content.description}</p>}
          {href && (
            <a href={href} target="_blank" rel="noopener noreferrer" class="cv-url">
              {content.url}
            </a>
          )}
        </div>
      );
    }
    case "miniProgram":
      return (
        <div class="cv-card">
          <p class="cv-label">{t("transcript.miniProgramCard")}</p>
          <p class="cv-card-title">{content.title}</p>
          <p class="cv-url">
            {t("transcript.miniProgramCardPage", { appId: content.appId, pagePath: content.pagePath })}
          </p>
          {url && <img class="cv-image" src={url} alt={t("transcript.miniProgramCover")} />}
        </div>
      );
  }
}
