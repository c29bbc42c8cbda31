"use client";

import { useEffect, useState } from "react";

// One shared one-second timer for every countdown on a page, so a queue of 200 rows updates
// in a single render pass instead of 200 separate timers.
const listeners = new Set<(now: number) => void>();
let timer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: (now: number) => void): () => void {
  listeners.add(listener);
  if (timer === null) {
    timer = setInterval(() => {
      const now = Date.now();
      for (const notify of listeners) notify(now);
    }, 1000);
  }
  listener(Date.now());
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/**
 * Returns the current time in milliseconds, updated every second. The first render uses the
 * time of that render, so the server's HTML and the browser's first render differ by the
 * network delay. Elements that show it therefore set suppressHydrationWarning.
 */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => subscribe(setNow), []);
  return now;
}
