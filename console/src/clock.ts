import { useEffect, useState } from "preact/hooks";

/** The time now, read at every render, with a render at least every ``every`` ms, so that
 * "47 h 12 min left" counts down and two parts of the page never disagree by a stale tick. */
export function useNow(every: number): number {
  const [, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((tick) => tick + 1), every);
    return () => clearInterval(timer);
  }, [every]);
  return Date.now();
}
