// What the reply box tells the server about the agent typing. The server decides what reaches
// WeChat (at most one Typing per 15 s per conversation: shared/desk/typing_indicator.py); the
// console only keeps its own reports few: one "typing" every few seconds while text is being
// written, one "stopped" when the box is cleared, the reply sent or the conversation left.

/** How often, at most, the console repeats "typing" while the agent keeps writing. */
export const TYPING_REPORT_EVERY_MS = 5000;

export class TypingReporter {
  private active = false;
  private lastSent = -Infinity;

  constructor(
    private readonly send: (typing: boolean) => void,
    private readonly now: () => number = Date.now,
    private readonly every: number = TYPING_REPORT_EVERY_MS,
  ) {}

  /** The box now holds ``text`` because the agent typed or deleted. */
  input(text: string): void {
    if (!text.trim()) {
      this.stopped();
      return;
    }
    const now = this.now();
    if (this.active && now - this.lastSent < this.every) return;
    this.active = true;
    this.lastSent = now;
    this.send(true);
  }

  /** The reply went, or the agent left the conversation: no longer typing. */
  stopped(): void {
    if (!this.active) return;
    this.active = false;
    this.lastSent = -Infinity;
    this.send(false);
  }
}
