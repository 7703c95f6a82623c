import { useState } from "preact/hooks";

import type { Api } from "../api/client";
import { useI18n } from "../i18n";
import type { AgentView } from "../session";
import { type Presence, PRESENCES } from "./presence";

/** The Presence select and, beside it, how much of the agent's capacity is in use. */
export function PresenceControl({
  api,
  me,
  onChanged,
}: {
  api: Api;
  me: AgentView;
  onChanged: (me: AgentView) => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);

  async function change(presence: Presence) {
    setBusy(true);
    setFailed(false);
    const { data } = await api
      .PUT("/api/agent/presence", { body: { presence } })
      .catch(() => ({ data: undefined }));
    setBusy(false);
    if (data) onChanged(data);
    else setFailed(true);
  }

  return (
    <div class="presence">
      <label for="presence" class="presence-label">
        {t("presence.label")}
      </label>
      <div class="presence-row">
        <span class={`presence-dot presence-${me.shownPresence}`} aria-hidden="true" />
        <select
          id="presence"
          value={me.presence}
          disabled={busy}
          onChange={(event) => void change((event.target as HTMLSelectElement).value as Presence)}
        >
          {PRESENCES.map(({ value, label }) => (
            <option key={value} value={value}>
              {t(label)}
            </option>
          ))}
        </select>
      </div>
      <p class="capacity">
        {t("presence.capacity", {
          used: me.usedCapacity,
          total: me.capacity,
          free: me.freeCapacity,
        })}
      </p>
      {me.shownPresence === "busy" && me.presence === "available" && (
        <p class="capacity">{t("presence.busyAtCapacity")}</p>
      )}
      {failed && (
        <p class="ws-error" role="alert">
          {t("presence.failed")}
        </p>
      )}
    </div>
  );
}
