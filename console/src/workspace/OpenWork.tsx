import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { customerLabel, type ListItem, lineText, waitedFor } from "./lists";

/** "Open work": the conversations waiting in the agent's queues, each with Pick. */
export function OpenWork({
  queue,
  now,
  picking,
  failed,
  full,
  onPick,
}: {
  queue: ListItem[] | null;
  now: number;
  picking: string | null;
  failed: MessageKey | null;
  /** The agent has no free capacity: Pick would be refused, so it is not offered. */
  full: boolean;
  onPick: (id: string) => void;
}) {
  const { t } = useI18n();
  return (
    <section class="ws-queue" aria-label={t("queue.heading")}>
      <h2 class="ws-heading">
        {t("queue.heading")}
        {queue && queue.length > 0 && <span class="ws-count" aria-hidden="true">{queue.length}</span>}
      </h2>
      {failed && (
        <p class="ws-error" role="alert">
          {t(failed)}
        </p>
      )}
      {full && queue && queue.length > 0 && <p class="ws-note">{t("queue.pickNoCapacity")}</p>}
      {queue === null ? null : queue.length === 0 ? (
        <p class="ws-placeholder">{t("queue.empty")}</p>
      ) : (
        <ul class="queue">
          {queue.map((item) => (
            <li key={item.id} class="queue-item">
              <span class="queue-text">
                <span class="conversation-customer">{customerLabel(item.customer, t("customer.wechatUser"))}</span>
                <span class="conversation-line">
                  {lineText(item.lastCustomerLine ?? item.lastLine, t)}
                </span>
                <span class="queue-waited">
                  {waitedFor(item.enqueuedAt ?? item.createdAt, now, t)}
                </span>
              </span>
              <button
                type="button"
                class="pick"
                disabled={full || picking !== null}
                onClick={() => onPick(item.id)}
              >
                {t("queue.pick")}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
