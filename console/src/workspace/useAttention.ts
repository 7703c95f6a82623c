// While the tab is hidden, new work (a new conversation, more unread lines, a new one waiting)
// gets a desktop notification and a chime, and the title counts what is unread.

import { useEffect, useRef, useState } from "preact/hooks";

import { useI18n } from "../i18n";
import { chime, notify } from "./alerts";
import { newWork, titleText, totalUnread } from "./attention";
import { customerLabel, type ListItem, lineText } from "./lists";

function useHidden(): boolean {
  const [hidden, setHidden] = useState(() => document.visibilityState === "hidden");
  useEffect(() => {
    const changed = () => setHidden(document.visibilityState === "hidden");
    document.addEventListener("visibilitychange", changed);
    return () => document.removeEventListener("visibilitychange", changed);
  }, []);
  return hidden;
}

export function useAttention(conversations: ListItem[] | null, queue: ListItem[] | null): void {
  const { t } = useI18n();
  const hidden = useHidden();
  const seen = useRef<{ conversations: ListItem[] | null; queue: ListItem[] | null }>({
    conversations: null,
    queue: null,
  });

  useEffect(() => {
    const fresh = [
      ...(conversations ? newWork(seen.current.conversations, conversations) : []),
      ...(queue ? newWork(seen.current.queue, queue) : []),
    ];
    if (conversations) seen.current.conversations = conversations;
    if (queue) seen.current.queue = queue;
    if (!hidden || fresh.length === 0) return;
    const [first] = fresh;
    const body =
      fresh.length === 1 && first
        ? t("notify.newLine", { customer: customerLabel(first.customer), line: lineText(first.lastLine, t) })
        : t("notify.more", { count: fresh.length });
    notify(t("notify.newWork"), body);
    chime();
  }, [conversations, queue]);

  const unread = conversations ? totalUnread(conversations) : 0;
  useEffect(() => {
    document.title = titleText(t("app.title"), hidden, unread);
  }, [hidden, unread, t]);
  useEffect(() => () => void (document.title = t("app.title")), [t]);
}
