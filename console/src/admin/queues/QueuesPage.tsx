import { useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../../api/client";
import type { components } from "../../api/schema";
import { useI18n } from "../../i18n";
import type { MessageKey } from "../../i18n/messages";
import { followLink, href } from "../../router";
import type { PageProps } from "../../Shell";
import { type Problem, problemOf } from "./apiError";
import { Confirm } from "./Field";
import { summary } from "./hours";
import { QueueForm } from "./QueueForm";
import "./forms.css";

export type Queue = components["schemas"]["Queue"];

type Load<T> =
  | { state: "loading" }
  | { state: "failed"; problem: Problem }
  | { state: "ready"; value: T };

/** Every queue, loaded again whenever ``revision`` changes. */
export function useQueues(api: Api, revision = 0): [Load<Queue[]>, () => void] {
  const [load, setLoad] = useState<Load<Queue[]>>({ state: "loading" });
  const [again, setAgain] = useState(0);
  useEffect(() => {
    let live = true;
    setLoad((before) => (before.state === "ready" ? before : { state: "loading" }));
    api.GET("/api/admin/queues").then(
      ({ data, error, response }) => {
        if (!live) return;
        if (data) setLoad({ state: "ready", value: data.queues });
        else setLoad({ state: "failed", problem: problemOf(error, response.status) });
      },
      () => live && setLoad({ state: "failed", problem: problemOf(undefined) }),
    );
    return () => {
      live = false;
    };
  }, [api, revision, again]);
  return [load, () => setAgain((n) => n + 1)];
}

/** /console/queues: the list; /new: a new queue; /<id>: one queue's settings. */
export function QueuesPage({ api, path }: PageProps) {
  const [first] = path;
  const [revision, setRevision] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [queues, retry] = useQueues(api, revision);
  const changed = (text: string | null) => {
    setNotice(text);
    setRevision((n) => n + 1);
  };
  useEffect(() => {
    if (first) setNotice(null);
  }, [first]);
  if (first) {
    const all = queues.state === "ready" ? queues.value : [];
    return (
      <QueueForm
        key={first}
        api={api}
        queueId={first === "new" ? null : first}
        queues={all}
        onSaved={changed}
      />
    );
  }
  return <QueueList api={api} queues={queues} retry={retry} notice={notice} onChanged={changed} />;
}

function QueueList({
  api,
  queues,
  retry,
  notice,
  onChanged,
}: {
  api: Api;
  queues: Load<Queue[]>;
  retry: () => void;
  notice: string | null;
  onChanged: (notice: string | null) => void;
}) {
  const { t } = useI18n();
  const [deleting, setDeleting] = useState<Queue | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const opener = useRef<HTMLElement | null>(null);
  const names = new Map(queues.state === "ready" ? queues.value.map((q) => [q.id, q.name]) : []);

  const remove = async (queue: Queue) => {
    setBusy(true);
    const { error, response } = await api
      .DELETE("/api/admin/queues/{id}", { params: { path: { id: queue.id } } })
      .catch(() => ({ error: undefined, response: { status: 0, ok: false } as Response }));
    setBusy(false);
    setDeleting(null);
    if (response.ok) {
      setFailure(null);
      onChanged(t("queues.deleted", { name: queue.name }));
      return;
    }
    const problem = problemOf(error, response.status);
    const reason = problem.message || t("queues.unavailable");
    setFailure(
      problem.code === "in_use"
        ? t("queues.inUse", { reason })
        : t("queues.deleteFailed", { reason }),
    );
  };

  return (
    <main class="page">
      <div class="qa-header">
        <h1>{t("nav.queues")}</h1>
        <a class="qa-primary" href={href("queues", "new")} onClick={followLink}>
          {t("queues.new")}
        </a>
      </div>
      {failure && (
        <p class="qa-alert" role="alert">
          {failure}
        </p>
      )}
      {notice && !failure && (
        <p class="qa-ok" role="status">
          {notice}
        </p>
      )}
      {queues.state === "loading" && (
        <p class="qa-state qa-muted" role="status">
          {t("queues.loading")}
        </p>
      )}
      {queues.state === "failed" && (
        <div class="qa-state" role="alert">
          <p class="qa-state-title">{t("queues.loadFailed")}</p>
          <p class="qa-state-hint">{queues.problem.message || t("queues.unavailable")}</p>
          <button type="button" class="qa-button" onClick={retry}>
            {t("queues.retry")}
          </button>
        </div>
      )}
      {queues.state === "ready" && !queues.value.length && (
        <div class="qa-state">
          <p class="qa-state-title">{t("queues.empty")}</p>
          <p class="qa-state-hint">{t("queues.emptyHint")}</p>
          <a class="qa-primary" href={href("queues", "new")} onClick={followLink}>
            {t("queues.new")}
          </a>
        </div>
      )}
      {queues.state === "ready" && queues.value.length > 0 && (
        <div class="qa-table-wrap">
          <table class="qa-table">
            <thead>
              <tr>
                <th scope="col">{t("queues.col.name")}</th>
                <th scope="col">{t("queues.col.priority")}</th>
                <th scope="col">{t("queues.col.method")}</th>
                <th scope="col">{t("queues.col.hours")}</th>
                <th scope="col">{t("queues.col.overflow")}</th>
                <th scope="col">
                  <span class="qa-muted">{t("queues.col.actions")}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {[...queues.value]
                .sort((a, b) => a.priority - b.priority || a.name.localeCompare(b.name))
                .map((queue) => (
                  <tr key={queue.id}>
                    <td>
                      <a href={href("queues", queue.id)} onClick={followLink}>
                        {queue.name}
                      </a>
                    </td>
                    <td>{queue.priority}</td>
                    <td>{t(`queues.method.${queue.assignmentMethod}`)}</td>
                    <td>
                      <HoursCell queue={queue} />
                    </td>
                    <td>
                      <OverflowCell queue={queue} names={names} />
                    </td>
                    <td>
                      <div class="qa-row-actions">
                        <a
                          class="qa-button qa-small"
                          href={href("queues", queue.id)}
                          onClick={followLink}
                          aria-label={t("queues.editNamed", { name: queue.name })}
                        >
                          {t("queues.edit")}
                        </a>
                        <button
                          type="button"
                          class="qa-danger qa-small"
                          aria-label={t("queues.deleteNamed", { name: queue.name })}
                          onClick={(event) => {
                            opener.current = event.currentTarget;
                            setDeleting(queue);
                          }}
                        >
                          {t("queues.delete")}
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <Confirm
          title={t("queues.deleteTitle", { name: deleting.name })}
          text={t("queues.deleteText")}
          confirm={t("queues.deleteConfirm")}
          cancel={t("common.cancel")}
          busy={busy}
          opener={opener}
          onClose={() => setDeleting(null)}
          onConfirm={() => void remove(deleting)}
        />
      )}
    </main>
  );
}

function HoursCell({ queue }: { queue: Queue }) {
  const { t } = useI18n();
  const hours = queue.operatingHours;
  const holidays = hours?.holidays.length ?? 0;
  const days = (day: number) => t(`hours.short.${day}` as MessageKey);
  return (
    <>
      {hours?.weekly.length ? summary(hours.weekly, days) : t("queues.alwaysOpen")}
      {hours && (
        <span class="qa-sub">
          {hours.timeZone}
          {holidays > 0 && ` · ${t("queues.holidayCount", { count: holidays })}`}
        </span>
      )}
    </>
  );
}

function OverflowCell({ queue, names }: { queue: Queue; names: Map<string, string> }) {
  const { t } = useI18n();
  const { maxWaiting, action, transferQueueId } = queue.overflow;
  if (maxWaiting === null || maxWaiting === undefined)
    return <span class="qa-muted">{t("queues.noLimit")}</span>;
  const what =
    action === "transfer" && transferQueueId
      ? `${t("queues.action.transfer")}: ${names.get(transferQueueId) ?? transferQueueId}`
      : t(`queues.action.${action}`);
  return <>{t("queues.overflowAt", { max: maxWaiting, action: what })}</>;
}
