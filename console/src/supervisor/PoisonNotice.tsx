import { useEffect, useState } from "preact/hooks";

import type { Api } from "../api/client";
import { useI18n } from "../i18n";

const REFRESH_MS = 60_000;

/** The admin's count of poison messages: queue messages the pipeline gave up on after
 * retrying, which nothing will run again until someone replays them. Shown only when there are
 * some; the details and the replay are in the admin API (GET /api/admin/poison). */
export function PoisonNotice({ api }: { api: Api }) {
  const { t } = useI18n();
  const [total, setTotal] = useState(0);
  useEffect(() => {
    let live = true;
    const load = async () => {
      const { data } = await api
        .GET("/api/admin/poison")
        .catch(() => ({ data: undefined }));
      if (live && data) setTotal(data.total);
    };
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [api]);
  if (!total) return null;
  return (
    <section class="sv-poison" aria-labelledby="sv-poison">
      <h2 id="sv-poison">{t("supervisor.poison.count", { count: total })}</h2>
      <p>{t("supervisor.poison.explain")}</p>
    </section>
  );
}
