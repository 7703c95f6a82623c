import { useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import { errorMessage } from "../conversation/attachments";
import { useI18n } from "../i18n";
import { describeEvent, KIND, type Names, outcomeOf, type TimelineEvent } from "./timeline";

/** Every step the conversation went through, oldest first: time, what happened, outcome. */
export function Timeline({
  api,
  conversationId,
  revision,
  names,
}: {
  api: Api;
  conversationId: string;
  revision: number;
  names: Names;
}) {
  const { t, language } = useI18n();
  const [events, setEvents] = useState<TimelineEvent[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef(0);

  useEffect(() => {
    setEvents(null);
    setError(null);
  }, [conversationId]);

  useEffect(() => {
    const call = ++latest.current;
    void (async () => {
      const { data, error: failure } = await api.GET("/api/supervisor/conversations/{id}/timeline", {
        params: { path: { id: conversationId } },
      });
      if (call !== latest.current) return;
      if (!data) {
        setError(t("timeline.failed", { message: errorMessage(failure, "network error") }));
        return;
      }
      setError(null);
      setEvents(data.events);
    })();
  }, [api, conversationId, revision]);

  if (error) {
    return (
      <p role="alert" class="sv-error">
        {error}
      </p>
    );
  }
  if (!events) {
    return (
      <p role="status" class="sv-note">
        {t("timeline.loading")}
      </p>
    );
  }
  if (events.length === 0) return <p class="sv-empty">{t("timeline.empty")}</p>;
  const time = new Intl.DateTimeFormat(language, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  return (
    <ol class="sv-timeline" aria-label={t("timeline.label")}>
      {events.map((event, index) => {
        const detail = describeEvent(event, names, t);
        const outcome = outcomeOf(event);
        return (
          <li key={index} class={`sv-event sv-event-${event.kind}`}>
            <time dateTime={event.at}>{time.format(new Date(event.at))}</time>
            <span class="sv-event-what">{t(KIND[event.kind])}</span>
            {detail && <span class="sv-event-detail">{detail}</span>}
            {outcome && (
              <span class={outcome === "ok" ? "sv-event-outcome sv-ok" : "sv-event-outcome"}>{outcome}</span>
            )}
          </li>
        );
      })}
    </ol>
  );
}
