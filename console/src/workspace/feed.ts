// The change feed, as the workspace polls it: GET /api/agent/changes?since=<cursor> about once a
// second. The first answer only hands out a cursor, so the workspace loads everything then;
// after that each answer says what to refetch. A failed poll backs off (1 s, 2 s, 4 s … 30 s)
// and says so, so that an agent knows the list may be stale.

export type Topic = "agent" | "waiting";

/** What one poll came back with, in the feed's terms. */
export type PollResult =
  | { kind: "changes"; cursor: string; changed: readonly string[] }
  | { kind: "unchanged" }
  | { kind: "badCursor" }
  | { kind: "failed" };

export interface FeedState {
  cursor: string | null;
  failures: number;
}

export interface FeedStep {
  state: FeedState;
  /** What to fetch again now (empty: nothing). */
  refetch: Topic[];
  /** Milliseconds until the next poll. */
  delay: number;
  /** The feed is failing: the console says it is reconnecting. */
  reconnecting: boolean;
}

export const POLL_EVERY = 1_000;
export const MAX_BACKOFF = 30_000;
/** However quiet the feed, the workspace fetches everything again this often (ms). */
export const FULL_REFRESH_EVERY = 60_000;
const EVERYTHING: Topic[] = ["agent", "waiting"];

export const initialFeed: FeedState = { cursor: null, failures: 0 };

/** The feed's next state after ``result``. */
export function step(state: FeedState, result: PollResult): FeedStep {
  switch (result.kind) {
    case "failed": {
      const failures = state.failures + 1;
      const delay = Math.min(POLL_EVERY * 2 ** (failures - 1), MAX_BACKOFF);
      return { state: { ...state, failures }, refetch: [], delay, reconnecting: true };
    }
    case "badCursor":
      // The app forgot the cursor (or never gave it): start over, as on the first poll.
      return { state: initialFeed, refetch: [], delay: 0, reconnecting: false };
    case "unchanged":
      return { state: { ...state, failures: 0 }, refetch: [], delay: POLL_EVERY, reconnecting: false };
    case "changes": {
      // The first cursor, or the first answer after an outage: what the workspace shows may be
      // older than anything the feed can say, so everything is fetched again.
      const refetch =
        state.cursor === null || state.failures > 0
          ? EVERYTHING
          : EVERYTHING.filter((topic) => result.changed.includes(topic));
      return {
        state: { cursor: result.cursor, failures: 0 },
        refetch,
        delay: POLL_EVERY,
        reconnecting: false,
      };
    }
  }
}

export interface FeedHandlers {
  /** One poll of the app, given the cursor to send (null: none yet). */
  poll: (since: string | null, signal: AbortSignal) => Promise<PollResult>;
  refetch: (topics: Topic[]) => void;
  reconnecting: (yes: boolean) => void;
}

/** Polls until the returned ``stop`` is called; at most one poll is in flight at a time. */
export function runFeed(handlers: FeedHandlers): () => void {
  let state = initialFeed;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wasReconnecting = false;
  const abort = new AbortController();

  async function once() {
    let result: PollResult;
    try {
      result = await handlers.poll(state.cursor, abort.signal);
    } catch {
      result = { kind: "failed" };
    }
    if (stopped) return;
    const next = step(state, result);
    state = next.state;
    if (next.reconnecting !== wasReconnecting) {
      wasReconnecting = next.reconnecting;
      handlers.reconnecting(next.reconnecting);
    }
    if (next.refetch.length) handlers.refetch(next.refetch);
    timer = setTimeout(() => void once(), next.delay);
  }

  void once();
  return () => {
    stopped = true;
    clearTimeout(timer);
    abort.abort();
  };
}
