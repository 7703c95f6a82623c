import { useI18n } from "../i18n";
import { describeWindow, windowOpen } from "../replyWindow";
import { customerLabel, type ListItem, lineText, stateLabel } from "./lists";

/** "My conversations": one button per conversation, newest activity first. */
export function ConversationList({
  conversations,
  failed,
  selected,
  now,
  onSelect,
}: {
  conversations: ListItem[] | null;
  failed: boolean;
  selected: string | null;
  now: number;
  onSelect: (id: string) => void;
}) {
  const { t, language } = useI18n();
  const time = new Intl.DateTimeFormat(language, { hour: "2-digit", minute: "2-digit" });
  const day = new Intl.DateTimeFormat(language, { month: "short", day: "numeric" });
  const today = new Date(now).toDateString();
  const when = (iso: string) => {
    const at = new Date(iso);
    return at.toDateString() === today ? time.format(at) : day.format(at);
  };

  return (
    <nav class="ws-list" aria-label={t("list.heading")}>
      <h2 class="ws-heading">
        {t("list.heading")}
        {conversations && conversations.length > 0 && (
          <span class="ws-count" aria-hidden="true">{conversations.length}</span>
        )}
      </h2>
      {failed && (
        <p class="ws-error" role="alert">
          {t("list.failed")}
        </p>
      )}
      {conversations === null ? (
        !failed && (
          <p class="ws-placeholder" role="status">
            {t("list.loading")}
          </p>
        )
      ) : conversations.length === 0 ? (
        <div class="ws-empty">
          <p class="ws-empty-title">{t("list.empty")}</p>
          <p class="ws-empty-hint">{t("list.emptyHint")}</p>
        </div>
      ) : (
        <ul class="conversations">
          {conversations.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                class="conversation"
                aria-current={item.id === selected ? "true" : undefined}
                onClick={() => onSelect(item.id)}
              >
                <span class="conversation-top">
                  <span class="conversation-customer">{customerLabel(item.customer, t("customer.wechatUser"))}</span>
                  <time class="conversation-time" dateTime={item.lastActivityAt}>
                    {when(item.lastActivityAt)}
                  </time>
                </span>
                <span class="conversation-bottom">
                  <span class="conversation-line">
                    {item.lastLine?.direction === "out" && (
                      <span class="outbound" aria-hidden="true">
                        ↩
                      </span>
                    )}
                    {lineText(item.lastLine, t)}
                  </span>
                  {item.unread > 0 && (
                    <span class="unread" aria-label={t("list.unread", { n: item.unread })}>
                      {item.unread}
                    </span>
                  )}
                </span>
                <span class="conversation-meta">
                  <span class={`state state-${item.state}`}>{stateLabel(item.state, t)}</span>
                  <span
                    class={
                      windowOpen(item.window, now) ? "conversation-window" : "conversation-window closed"
                    }
                  >
                    {describeWindow(item.window, now, t)}
                  </span>
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
