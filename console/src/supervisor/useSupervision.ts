// The supervisor's view as data: the overview (queues, agents) and the live conversations
// under the chosen filters, kept fresh by GET /api/supervisor/changes. Each fetch is numbered
// so that a slow answer never overwrites a newer one.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { components } from "../api/schema";
import { errorMessage } from "../conversation/attachments";
import { FULL_REFRESH_EVERY, runFeed } from "../workspace/feed";
import { conversationsQuery, type Filters, pollResult } from "./live";

export type Overview = components["schemas"]["SupervisorOverview"];
export type Supervised = components["schemas"]["SupervisedConversation"];

export interface Supervision {
  overview: Overview | null;
  conversations: Supervised[] | null;
  error: string | null;
  reconnecting: boolean;
  /** Bumped on every change the feed reports: an open transcript refetches. */
  revision: number;
  refresh: () => void;
}

export function useSupervision(api: Api, filters: Filters): Supervision {
  const [overview, setOverview] = useState<Overview | null>(null);
  const [conversations, setConversations] = useState<Supervised[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [reconnecting, setReconnecting] = useState(false);
  const [revision, setRevision] = useState(0);
  const latest = useRef({ overview: 0, list: 0 });
  const live = useRef(true);
  const queryKey = JSON.stringify(conversationsQuery(filters));
  const query = useRef(queryKey);
  query.current = queryKey;

  const fetchOverview = useCallback(async () => {
    const n = ++latest.current.overview;
    const { data, error: failure } = await api
      .GET("/api/supervisor/overview")
      .catch((e: unknown) => ({ data: undefined, error: e }));
    if (!live.current || n !== latest.current.overview) return;
    if (data) {
      setOverview(data);
      setError(null);
    } else setError(errorMessage(failure, "network error"));
  }, [api]);

  const fetchList = useCallback(async () => {
    const n = ++latest.current.list;
    const { data, error: failure } = await api
      .GET("/api/supervisor/conversations", { params: { query: JSON.parse(query.current) } })
      .catch((e: unknown) => ({ data: undefined, error: e }));
    if (!live.current || n !== latest.current.list) return;
    if (data) setConversations(data.conversations);
    else setError(errorMessage(failure, "network error"));
  }, [api]);

  const refresh = useCallback(() => {
    void fetchOverview();
    void fetchList();
    setRevision((r) => r + 1);
  }, [fetchOverview, fetchList]);

  // New filters: the list again at once (the feed keeps its cursor).
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false; // the feed's first answer fetches everything
      return;
    }
    setConversations(null);
    void fetchList();
  }, [fetchList, queryKey]);

  useEffect(() => {
    live.current = true;
    const stop = runFeed({
      poll: async (since, signal) => {
        const { data, response } = await api.GET("/api/supervisor/changes", {
          params: { query: since === null ? {} : { since } },
          signal,
        });
        return pollResult(response.status, data);
      },
      refetch: refresh,
      reconnecting: setReconnecting,
    });
    const sweep = setInterval(refresh, FULL_REFRESH_EVERY);
    return () => {
      live.current = false;
      stop();
      clearInterval(sweep);
    };
  }, [api, refresh]);

  return { overview, conversations, error, reconnecting, revision, refresh };
}
