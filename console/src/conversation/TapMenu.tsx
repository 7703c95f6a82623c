import { useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { useI18n } from "../i18n";
import { errorMessage } from "./attachments";
import { Dialog } from "./Dialog";
import type { MessageView } from "./lines";
import type { TapMenuLine } from "./tapMenus";

export const MAX_OPTIONS = 10;
const MAX_OPTION_BYTES = 128;

const bytes = (text: string) => new TextEncoder().encode(text).length;

/** The reply box's "Menu" button: a question with options the customer taps (WeChat's
 * tap-to-reply ``msgmenu``); each option's id is its place in the list. */
export function TapMenuButton({
  api,
  conversationId,
  disabled,
  onQueued,
}: {
  api: Api;
  conversationId: string;
  disabled: boolean;
  onQueued: (message: MessageView) => void;
}) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const [head, setHead] = useState("");
  const [options, setOptions] = useState<string[]>(["", ""]);
  const [tail, setTail] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const filled = options.filter((o) => o.trim());
  const tooLong = options.find((o) => bytes(o) > MAX_OPTION_BYTES);

  const send = async () => {
    setBusy(true);
    setError(null);
    const { data, error: failure } = await api.POST("/api/agent/conversations/{id}/menus", {
      params: { path: { id: conversationId } },
      // Options without an id are numbered by the API; the generated type wants every field.
      body: {
        headContent: head,
        options: filled.map((content) => ({ content })),
        tailContent: tail,
      } as unknown as components["schemas"]["TapMenuRequest"],
    });
    setBusy(false);
    if (data) {
      onQueued(data);
      setOpen(false);
      setHead("");
      setOptions(["", ""]);
      setTail("");
    } else setError(t("reply.sendFailed", { message: errorMessage(failure) }));
  };

  return (
    <>
      <button type="button" ref={opener} disabled={disabled} onClick={() => setOpen(true)}>
        {t("tapMenu.open")}
      </button>
      {open && (
        <Dialog title={t("tapMenu.title")} onClose={() => setOpen(false)} returnFocus={opener}>
          <p class="cv-note">{t("tapMenu.explain")}</p>
          <label class="cv-menu-field">
            {t("tapMenu.head")}
            <input value={head} onInput={(e) => setHead((e.target as HTMLInputElement).value)} />
          </label>
          <ol class="cv-menu-options">
            {options.map((option, i) => (
              <li key={i}>
                <input
                  aria-label={t("tapMenu.option", { n: i + 1 })}
                  value={option}
                  aria-invalid={bytes(option) > MAX_OPTION_BYTES ? true : undefined}
                  onInput={(e) => setOptions(options.map((o, j) => (j === i ? (e.target as HTMLInputElement).value : o)))}
                />
                <button
                  type="button"
                  aria-label={t("tapMenu.remove", { n: i + 1 })}
                  disabled={options.length <= 1}
                  onClick={() => setOptions(options.filter((_, j) => j !== i))}
                >
                  ✕
                </button>
              </li>
            ))}
          </ol>
          <button type="button" disabled={options.length >= MAX_OPTIONS} onClick={() => setOptions([...options, ""])}>
            {t("tapMenu.add")}
          </button>
          <label class="cv-menu-field">
            {t("tapMenu.tail")}
            <input value={tail} onInput={(e) => setTail((e.target as HTMLInputElement).value)} />
          </label>
          {tooLong !== undefined && (
            <p role="alert" class="cv-error">{t("tapMenu.tooLong", { limit: MAX_OPTION_BYTES })}</p>
          )}
          {error && <p role="alert" class="cv-error">{error}</p>}
          <div class="cv-dialog-buttons">
            <button type="button" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </button>
            <button type="button" class="cv-primary" disabled={busy || filled.length === 0 || tooLong !== undefined} onClick={() => void send()}>
              {t("tapMenu.send")}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** A menu line's bubble: the question, its options (the chosen one marked) and the answer. */
export function TapMenuContent({ menu }: { menu: TapMenuLine }) {
  const { t } = useI18n();
  return (
    <div class="cv-tapmenu">
      {menu.head && <p>{menu.head}</p>}
      <ul class="cv-tapmenu-options">
        {menu.options.map((option) => (
          <li key={option.id} class={menu.answer?.optionId === option.id ? "cv-chosen" : undefined}>
            {option.content}
          </li>
        ))}
      </ul>
      {menu.tail && <p>{menu.tail}</p>}
      <p class="cv-note">
        {menu.answer ? t("tapMenu.answered", { answer: menu.answer.content }) : t("tapMenu.unanswered")}
      </p>
    </div>
  );
}
