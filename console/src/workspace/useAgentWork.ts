// The agent's side of the workspace as data: who they are (presence, capacity), their
// conversations and the open work of their queues, kept fresh by the change feed. Each fetch
// is numbered so that a slow answer never overwrites a newer one.

import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import type { Api } from "../api/client";
import type { AgentView } from "../session";
import { FULL_REFRESH_EVERY, type PollResult, runFeed, type Topic } from "./feed";
import { byLastActivity, type ListItem } from "./lists";
import type { Offer } from "./offers";

export interface AgentWork {
  me: AgentView;
  /** Null until the first answer. */
  conversations: ListItem[] | null;
  queue: ListItem[] | null;
  /** Conversations offered to the agent (assignmentMode "offer"); null until the first answer. */
  offers: Offer[] | null;
  listFailed: boolean;
  reconnecting: boolean;
  /** Bumped whenever the feed says the agent's conversations changed: the open one refetches. */
  revision: number;
  refresh: (topics?: Topic[]) => void;
  setMe: (me: AgentView) => void;
}

export function useAgentWork(api: Api, initialMe: AgentView): AgentWork {
  const [me, setMe] = useState(initialMe);
  const [conversations, setConversations] = useState<ListItem[] | null>(null);
  const [queue, setQueue] = useState<ListItem[] | null>(null);
  const [offers, setOffers] = useState<Offer[] | null>(null);
  const [listFailed, setListFailed] = useState(false);
  const [reconnecting, setReconnecting] = useState(false);
  const [revision, setRevision] = useState(0);
  const latest = useRef({ me: 0, list: 0, queue: 0, offers: 0 });
  const live = useRef(true);

  const fetchMe = useCallback(async () => {
    const n = ++latest.current.me;
    const { data } = await api.GET("/api/agent/me").catch(() => ({ data: undefined }));
    if (data && live.current && n === latest.current.me) setMe(data);
  }, [api]);

  const fetchList = useCallback(async () => {
    const n = ++latest.current.list;
    const { data } = await api.GET("/api/agent/conversations").catch(() => ({ data: undefined }));
    if (!live.current || n !== latest.current.list) return;
    setListFailed(!data);
    if (data) setConversations(byLastActivity(data.conversations));
  }, [api]);

  const fetchQueue = useCallback(async () => {
    const n = ++latest.current.queue;
    const { data } = await api.GET("/api/agent/queue").catch(() => ({ data: undefined }));
    if (data && live.current && n === latest.current.queue) setQueue(data.conversations);
  }, [api]);

  const fetchOffers = useCallback(async () => {
    const n = ++latest.current.offers;
    const { data } = await api.GET("/api/agent/offers").catch(() => ({ data: undefined }));
    if (data && live.current && n === latest.current.offers) setOffers(data.offers);
  }, [api]);

  const refresh = useCallback(
    (topics: Topic[] = ["agent", "waiting"]) => {
      if (topics.includes("agent")) {
        void fetchList();
        void fetchMe();
        void fetchOffers();
        setRevision((r) => r + 1);
      }
      if (topics.includes("waiting")) void fetchQueue();
    },
    [fetchList, fetchMe, fetchOffers, fetchQueue],
  );

  useEffect(() => {
    live.current = true;
    const poll = async (since: string | null, signal: AbortSignal): Promise<PollResult> => {
      const { data, response } = await api.GET("/api/agent/changes", {
        params: { query: since === null ? {} : { since } },
        signal,
      });
      if (response.status === 204) return { kind: "unchanged" };
      if (data) return { kind: "changes", cursor: data.cursor, changed: data.changed };
      if (response.status === 400) return { kind: "badCursor" };
      return { kind: "failed" };
    };
    const stop = runFeed({ poll, refetch: refresh, reconnecting: setReconnecting });
    // The app's notices of a change are best effort: now and then, fetch everything anyway.
    const sweep = setInterval(() => refresh(), FULL_REFRESH_EVERY);
    return () => {
      live.current = false;
      stop();
      clearInterval(sweep);
    };
  }, [api, refresh]);

  return { me, conversations, queue, offers, listFailed, reconnecting, revision, refresh, setMe };
}
