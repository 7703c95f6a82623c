import { useEffect, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { errorMessage } from "./attachments";

type Panel = components["schemas"]["CustomerPanel"];
type State = components["schemas"]["ConversationState"];

export const STATE: Record<State, MessageKey> = {
  open: "state.open",
  active: "state.active",
  waiting: "conversation.state.waiting",
  wrapup: "state.wrapup",
  closed: "state.closed",
};

export function formatDate(iso: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** Who the customer is: OpenID, subscription, scene, tags and their earlier conversations. */
export function CustomerPanel({
  api,
  conversationId,
  revision,
}: {
  api: Api;
  conversationId: string;
  revision: number;
}) {
  const { t, language } = useI18n();
  const [panel, setPanel] = useState<Panel | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void api
      .GET("/api/agent/conversations/{id}/customer", { params: { path: { id: conversationId } } })
      .then(({ data, error: failure }) => {
        if (!live) return;
        if (data) {
          setPanel(data);
          setError(null);
        } else setError(t("customer.loadFailed", { message: errorMessage(failure) }));
      });
    return () => {
      live = false;
    };
  }, [api, conversationId, revision]);

  // Absent until WeChat has told us of a follow or an unfollow: "unknown", not "no".
  const subscribed = (value: boolean | null | undefined, at: string | null | undefined) => {
    const answer =
      value == null ? t("customer.unknown") : value ? t("customer.yes") : t("customer.no");
    return at ? t("customer.since", { answer, date: formatDate(at, language) }) : answer;
  };

  return (
    <aside class="cv-customer" aria-label={t("customer.label")}>
      <h3>{t("customer.label")}</h3>
      {error && (
        <p role="alert" class="cv-error">
          {error}
        </p>
      )}
      {panel && (
        <>
          <dl>
            <dt>{t("customer.openId")}</dt>
            <dd class="cv-openid">{panel.openId}</dd>
            <dt>{t("customer.subscribed")}</dt>
            <dd>{subscribed(panel.subscribed, panel.subscriptionChangedAt)}</dd>
            <dt>{t("customer.scene")}</dt>
            <dd>{panel.scene || t("customer.none")}</dd>
            <dt>{t("customer.tags")}</dt>
            <dd>
              {panel.tags.length ? (
                <ul class="cv-tags">
                  {panel.tags.map((tag) => (
                    <li key={tag}>{tag}</li>
                  ))}
                </ul>
              ) : (
                t("customer.none")
              )}
            </dd>
          </dl>
          <h4>{t("customer.earlier")}</h4>
          {panel.conversations.length ? (
            <ul class="cv-earlier">
              {panel.conversations.map((other) => (
                <li key={other.id}>
                  <time dateTime={other.createdAt}>{formatDate(other.createdAt, language)}</time>
                  <span>{t(STATE[other.state])}</span>
                  <span>{other.agentName ?? t("customer.noAgent")}</span>
                </li>
              ))}
            </ul>
          ) : (
            <p class="cv-note">{t("customer.none")}</p>
          )}
        </>
      )}
    </aside>
  );
}
