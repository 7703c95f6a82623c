import type { JSX } from "preact";
import { useId, useRef } from "preact/hooks";

import { Dialog } from "../../conversation/Dialog";

export interface ControlProps {
  id: string;
  "aria-describedby"?: string;
  "aria-invalid"?: "true";
}

/** A labelled control with its hint and the API's (or the page's) message under it; the
 * control is described by both, so a screen reader reads why it is wrong. */
export function Field({
  label,
  hint,
  error,
  children,
}: {
  label: string;
  hint?: string;
  error?: string;
  children: (control: ControlProps) => JSX.Element;
}) {
  const id = useId();
  const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class="qa-field">
      <label for={id}>{label}</label>
      {children({
        id,
        ...(described ? { "aria-describedby": described } : {}),
        ...(error ? { "aria-invalid": "true" as const } : {}),
      })}
      {hint && (
        <p id={`${id}-hint`} class="qa-hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="qa-error">
          {error}
        </p>
      )}
    </div>
  );
}

/** Ask before something that cannot be undone: a dialog named ``title`` saying what happens,
 * with the action's own name on its button. */
export function Confirm({
  title,
  text,
  confirm,
  cancel,
  busy,
  onConfirm,
  onClose,
  opener,
}: {
  title: string;
  text: string;
  confirm: string;
  cancel: string;
  busy?: boolean;
  onConfirm: () => void;
  onClose: () => void;
  opener: { current: HTMLElement | null };
}) {
  return (
    <Dialog title={title} onClose={onClose} returnFocus={opener}>
      <p>{text}</p>
      <div class="cv-dialog-buttons">
        <button type="button" onClick={onClose}>
          {cancel}
        </button>
        <button type="button" class="cv-danger" disabled={busy} onClick={onConfirm}>
          {confirm}
        </button>
      </div>
    </Dialog>
  );
}

/** A ref for the button that opens a dialog, so that focus goes back to it. */
export const useOpener = () => useRef<HTMLButtonElement>(null);

/** The page of one queue or agent while it loads, or why it could not be loaded. */
export function LoadingDetail({
  back,
  problem,
  loading,
  notFound,
  unavailable,
}: {
  back: JSX.Element;
  problem: { code?: string; message?: string } | null;
  loading: string;
  notFound: string;
  unavailable: string;
}) {
  return (
    <main class="page">
      {back}
      {problem ? (
        <p class="qa-alert" role="alert">
          {problem.code === "not_found" ? notFound : problem.message || unavailable}
        </p>
      ) : (
        <p class="qa-state qa-muted" role="status">
          {loading}
        </p>
      )}
    </main>
  );
}
