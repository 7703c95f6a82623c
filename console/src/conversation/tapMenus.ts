// A tap-to-reply menu line (type msgmenu) as the transcript shows it: its question, options
// and, once the customer tapped one, the answer (shared/pipeline/menu_answers.py).

import type { MessageView } from "./lines";

export interface TapMenuLine {
  head: string;
  options: { id: string; content: string }[];
  tail: string;
  answer: { optionId: string; content: string } | null;
}

/** The menu a ``msgmenu`` line carries, or null for any other line. */
export function tapMenuOf(message: MessageView): TapMenuLine | null {
  if (message.type !== "msgmenu") return null;
  const menu = (message.details as { menu?: Record<string, unknown> } | undefined)?.menu;
  if (!menu || typeof menu !== "object") return null;
  const options = Array.isArray(menu.options)
    ? menu.options.filter(
        (o): o is { id: string; content: string } =>
          !!o && typeof o.id === "string" && typeof o.content === "string",
      )
    : [];
  const answer = menu.answer as { optionId?: unknown; content?: unknown } | undefined;
  return {
    head: typeof menu.headContent === "string" ? menu.headContent : "",
    options,
    tail: typeof menu.tailContent === "string" ? menu.tailContent : "",
    answer:
      answer && typeof answer.optionId === "string" && typeof answer.content === "string"
        ? { optionId: answer.optionId, content: answer.content }
        : null,
  };
}
