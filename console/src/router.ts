// The console's pages are paths under /console/ (the app answers every one of them with the
// console), moved between with the History API, so that links, Back and Forward, a reload and
// a bookmark all land on the same page.

import { useEffect, useState } from "preact/hooks";

export const BASE = "/console/";

/** The path's segments below /console/: "/console/accounts/abc" → ["accounts", "abc"]. */
export function segments(pathname: string): string[] {
  const below = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : "";
  return below.split("/").filter(Boolean).map(decodeURIComponent);
}

/** The console's URL for ``parts`` (each encoded): ["accounts", id] → "/console/accounts/<id>". */
export function href(...parts: string[]): string {
  return BASE + parts.map(encodeURIComponent).join("/");
}

export function navigate(to: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  dispatchEvent(new PopStateEvent("popstate"));
}

/** The current page's segments, following navigation. */
export function usePath(): string[] {
  const [path, setPath] = useState(() => segments(location.pathname));
  useEffect(() => {
    const follow = () => setPath(segments(location.pathname));
    addEventListener("popstate", follow);
    return () => removeEventListener("popstate", follow);
  }, []);
  return path;
}

/** For a link's onClick: follow it in the page, unless the user asked for a new tab or window. */
export function followLink(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.currentTarget as HTMLAnchorElement;
  event.preventDefault();
  navigate(link.getAttribute("href") ?? BASE);
}
