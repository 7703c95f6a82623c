import { useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import { useNow } from "../clock";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { chime, notify } from "./alerts";
import { lineText } from "./lists";
import { newOffers, type Offer, openOffers, secondsLeft } from "./offers";

/** The conversations offered to the agent: the customer's first line, a countdown to the
 * offer's expiresAt, and Accept / Decline. A new offer also notifies and chimes. */
export function OfferNotices({
  api,
  offers,
  onAccepted,
  onAnswered,
}: {
  api: Api;
  offers: Offer[] | null;
  onAccepted: (conversationId: string) => void;
  onAnswered: () => void;
}) {
  const { t } = useI18n();
  const now = useNow(1_000);
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<MessageKey | null>(null);
  const seen = useRef<Offer[] | null>(null);

  useEffect(() => {
    if (offers === null) return;
    const [fresh] = newOffers(seen.current, offers);
    seen.current = offers;
    if (!fresh) return;
    notify(t("offers.title"), lineText(fresh.firstLine, t));
    chime();
  }, [offers]);

  async function answer(offer: Offer, verb: "accept" | "decline") {
    setBusy(offer.conversationId);
    setFailure(null);
    const path = verb === "accept" ? "/api/agent/conversations/{id}/accept" : "/api/agent/conversations/{id}/decline";
    const answered = await api
      .POST(path, { params: { path: { id: offer.conversationId } } })
      .catch(() => null);
    setBusy(null);
    if (answered?.response.ok) {
      if (verb === "accept") onAccepted(offer.conversationId);
    } else setFailure(answered?.response.status === 409 ? "offers.gone" : "offers.failed");
    onAnswered();
  }

  const shown = offers ? openOffers(offers, now) : [];
  if (shown.length === 0 && !failure) return null;
  return (
    <section class="ws-offers" aria-label={t("offers.label")}>
      {failure && (
        <p class="ws-error" role="alert">
          {t(failure)}
        </p>
      )}
      {shown.map((offer) => {
        const left = secondsLeft(offer.expiresAt, now);
        return (
          <div key={offer.conversationId} class="offer" role="alertdialog" aria-labelledby={`offer-${offer.conversationId}`}>
            <p class="offer-title" id={`offer-${offer.conversationId}`}>
              {t("offers.title")}
            </p>
            <p class="offer-from">
              {t("offers.from", { customer: offer.openId, queue: offer.queueName ?? offer.queueId ?? "" })}
            </p>
            <p class="offer-line">{lineText(offer.firstLine, t)}</p>
            <p class="offer-countdown" role="timer" aria-live="off">
              {left > 0 ? t("offers.countdown", { seconds: left }) : t("offers.expired")}
            </p>
            <div class="offer-actions">
              <button
                type="button"
                class="offer-accept"
                disabled={busy !== null || left === 0}
                onClick={() => void answer(offer, "accept")}
              >
                {t("offers.accept")}
              </button>
              <button
                type="button"
                class="offer-decline"
                disabled={busy !== null || left === 0}
                onClick={() => void answer(offer, "decline")}
              >
                {t("offers.decline")}
              </button>
            </div>
          </div>
        );
      })}
    </section>
  );
}
