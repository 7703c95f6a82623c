// When the tab is hidden, new work must reach the agent some other way: a desktop
// notification, a short sound and the unread count in the tab's title. These decide when.

export interface Watched {
  id: string;
  unread: number;
}

/** The conversations that brought new work since ``before`` (null: the first load, which
 * brings none): ones not there before, and ones whose unread count grew. */
export function newWork<T extends Watched>(before: readonly Watched[] | null, after: readonly T[]): T[] {
  if (before === null) return [];
  const unreadBefore = new Map(before.map((item) => [item.id, item.unread]));
  return after.filter((item) => {
    const was = unreadBefore.get(item.id);
    return was === undefined || item.unread > was;
  });
}

export function totalUnread(items: readonly Watched[]): number {
  return items.reduce((sum, item) => sum + Math.max(item.unread, 0), 0);
}

/** "(3) WeChat contact center" while the tab is hidden and something is unread. */
export function titleText(appTitle: string, hidden: boolean, unread: number): string {
  return hidden && unread > 0 ? `(${unread}) ${appTitle}` : appTitle;
}
