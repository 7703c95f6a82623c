// What a key press in the reply box does: Enter sends, Shift+Enter is a new line, and nothing
// is sent while an input method is composing (Enter then picks the Chinese characters).

export type KeyAction = "send" | "newline" | "none";

export interface KeyPress {
  key: string;
  shiftKey: boolean;
  isComposing: boolean;
  /** Some browsers report composition's last Enter only as keyCode 229. */
  keyCode?: number;
}

export function replyKeyAction(press: KeyPress): KeyAction {
  if (press.key !== "Enter") return "none";
  if (press.isComposing || press.keyCode === 229) return "none";
  return press.shiftKey ? "newline" : "send";
}
