"use client";

import { useEffect, useState } from "react";

/** How often relative times ("5 min ago") are recomputed; finer steps would re-render long lists for no visible change. */
const TICK_MS = 15_000;

/**
 * Returns the current time in milliseconds, updated every 15 seconds, for relative times on
 * the timeline. The server's render and the browser's first render use their own clocks, so
 * elements showing it set suppressHydrationWarning.
 */
export function useRelativeClock(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), TICK_MS);
    return () => clearInterval(timer);
  }, []);
  return now;
}
