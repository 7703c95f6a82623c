import { useEffect, useId, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { useI18n } from "../i18n";
import type { MessageKey } from "../i18n/messages";
import { errorMessage } from "./attachments";
import { Dialog } from "./Dialog";

type Capabilities = components["schemas"]["Capabilities"];
type Directory = components["schemas"]["Directory"];
type Presence = components["schemas"]["Presence"];
type State = components["schemas"]["ConversationState"];

/** What happened, so the pane can refetch and the frame can let go of the conversation. */
export type Outcome = "changed" | "gone";

/** Close (with the wrap-up dialog when the workstream has wrap-up), Park and Transfer. */
export function Actions({
  api,
  conversationId,
  state,
  holder,
  capabilities,
  onDone,
}: {
  api: Api;
  conversationId: string;
  state: State;
  /** The agent who has the conversation (the signed-in one): not offered as a transfer. */
  holder: string | null;
  capabilities: Capabilities;
  onDone: (outcome: Outcome) => void;
}) {
  const { t } = useI18n();
  const [dialog, setDialog] = useState<"close" | "transfer" | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const transferButton = useRef<HTMLButtonElement>(null);
  const path = { params: { path: { id: conversationId } } };

  const run = async (
    call: () => Promise<{ data?: unknown; error?: unknown }>,
    outcome: (data: unknown) => Outcome,
  ) => {
    setBusy(true);
    setError(null);
    const { data, error: failure } = await call();
    setBusy(false);
    setDialog(null);
    if (data) onDone(outcome(data));
    else setError(t("actions.failed", { message: errorMessage(failure) }));
  };
  const close = (wrapUp: boolean) =>
    run(
      () => api.POST("/api/agent/conversations/{id}/close", { ...path, body: { wrapUp } }),
      (data) => ((data as { state?: State }).state === "closed" ? "gone" : "changed"),
    );
  const park = () =>
    run(
      () => api.POST("/api/agent/conversations/{id}/park", path),
      () => "changed",
    );

  const wrapup = state === "wrapup";
  return (
    <div class="cv-actions" role="group" aria-label={t("actions.label")}>
      {capabilities.canPark && (
        <button type="button" disabled={busy} onClick={() => void park()}>
          {t("actions.park")}
        </button>
      )}
      {capabilities.canTransfer && (
        <button
          type="button"
          ref={transferButton}
          disabled={busy}
          onClick={() => setDialog("transfer")}
        >
          {t("actions.transfer")}
        </button>
      )}
      {capabilities.canClose && (
        <button
          type="button"
          ref={closeButton}
          class="cv-danger"
          disabled={busy}
          onClick={() => (capabilities.canWrapUp ? setDialog("close") : void close(false))}
        >
          {wrapup ? t("actions.finishWrapUp") : t("actions.close")}
        </button>
      )}
      {error && (
        <p role="alert" class="cv-error">
          {error}
        </p>
      )}
      {dialog === "close" && (
        <Dialog title={t("close.title")} onClose={() => setDialog(null)} returnFocus={closeButton}>
          <p>{t("close.intro")}</p>
          <div class="cv-dialog-buttons">
            <button type="button" class="cv-primary" disabled={busy} onClick={() => void close(true)}>
              {t("close.wrapUp")}
            </button>
            <button type="button" class="cv-danger" disabled={busy} onClick={() => void close(false)}>
              {t("close.now")}
            </button>
            <button type="button" onClick={() => setDialog(null)}>
              {t("common.cancel")}
            </button>
          </div>
        </Dialog>
      )}
      {dialog === "transfer" && (
        <TransferDialog
          api={api}
          busy={busy}
          holder={holder}
          returnFocus={transferButton}
          onCancel={() => setDialog(null)}
          onTransfer={(target) =>
            void run(
              () =>
                api.POST("/api/agent/conversations/{id}/transfer", {
                  ...path,
                  // One field only: the API wants exactly one of queueId and agentId.
                  body: target as unknown as components["schemas"]["TransferRequest"],
                }),
              () => "gone",
            )
          }
        />
      )}
    </div>
  );
}

const PRESENCE: Record<Presence, MessageKey> = {
  available: "transfer.presence.available",
  busy: "transfer.presence.busy",
  doNotDisturb: "transfer.presence.doNotDisturb",
  away: "transfer.presence.away",
  offline: "transfer.presence.offline",
};

type Target = { queueId: string } | { agentId: string };

/** "queue:<id>" or "agent:<id>", the select's values, as the transfer body. */
export function transferTarget(value: string): Target | null {
  const [kind, ...rest] = value.split(":");
  const id = rest.join(":");
  if (!id) return null;
  if (kind === "queue") return { queueId: id };
  if (kind === "agent") return { agentId: id };
  return null;
}

/** Transfer to a queue or another agent, as the directory lists them; ``holder``, the agent
 * who has the conversation now, is left out. Shared by the agent's pane and the supervisor's. */
export function TransferDialog({
  api,
  busy,
  holder,
  returnFocus,
  onCancel,
  onTransfer,
}: {
  api: Api;
  busy: boolean;
  holder: string | null;
  returnFocus: { current: HTMLElement | null };
  onCancel: () => void;
  onTransfer: (target: Target) => void;
}) {
  const { t } = useI18n();
  const [directory, setDirectory] = useState<Directory | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [value, setValue] = useState("");
  const selectId = useId();

  useEffect(() => {
    let live = true;
    void api.GET("/api/agent/directory").then(({ data, error: failure }) => {
      if (!live) return;
      if (data) setDirectory(data);
      else setError(t("actions.failed", { message: errorMessage(failure) }));
    });
    return () => {
      live = false;
    };
  }, [api]);
  const target = transferTarget(value);

  return (
    <Dialog title={t("transfer.title")} onClose={onCancel} returnFocus={returnFocus}>
      {error && (
        <p role="alert" class="cv-error">
          {error}
        </p>
      )}
      {!directory && !error && <p class="cv-note">{t("transfer.loading")}</p>}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (target) onTransfer(target);
        }}
      >
        <label for={selectId}>{t("transfer.to")}</label>
        <select
          id={selectId}
          value={value}
          disabled={!directory}
          onChange={(event) => setValue((event.target as HTMLSelectElement).value)}
        >
          <option value="">{t("transfer.choose")}</option>
          {directory && (
            <>
              <optgroup label={t("transfer.queues")}>
                {directory.queues.map((queue) => (
                  <option key={queue.id} value={`queue:${queue.id}`}>
                    {queue.name}
                  </option>
                ))}
              </optgroup>
              <optgroup label={t("transfer.agents")}>
                {directory.agents
                  .filter((agent) => agent.id !== holder)
                  .map((agent) => (
                    <option key={agent.id} value={`agent:${agent.id}`}>
                      {t("transfer.agentOption", {
                        name: agent.name,
                        presence: t(PRESENCE[agent.presence]),
                      })}
                    </option>
                  ))}
              </optgroup>
            </>
          )}
        </select>
        <div class="cv-dialog-buttons">
          <button type="submit" class="cv-primary" disabled={!target || busy}>
            {t("transfer.submit")}
          </button>
          <button type="button" onClick={onCancel}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
