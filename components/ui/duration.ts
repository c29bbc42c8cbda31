// Durations in the browser. lib/time/duration.ts is the server's parser, but it builds zod
// schemas at import time, which would add zod to every page bundle; this file handles the
// `P…DT…H…M…S` form that the API returns.

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Seconds of an ISO 8601 duration such as `PT15M`, or null when the text is not one. */
export function isoDurationSeconds(text: string): number | null {
  const match = ISO_DURATION.exec(text);
  if (!match || text === "P" || text.endsWith("T")) return null;
  const [, days, hours, minutes, seconds] = match;
  return Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3_600 + Number(minutes ?? 0) * 60 + Number(seconds ?? 0);
}

/** ISO 8601 duration of a whole number of seconds (`900` → `PT15M`). */
export function toIsoDuration(totalSeconds: number): string {
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  const time = `${hours ? `${hours}H` : ""}${minutes ? `${minutes}M` : ""}${seconds ? `${seconds}S` : ""}`;
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}` || "PT0S";
}

/** Short English form of a duration: `15 min`, `1 h 30 min`, `7 d`. */
export function describeSeconds(totalSeconds: number): string {
  if (totalSeconds < 60) return `${totalSeconds} s`;
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const parts = [days ? `${days} d` : "", hours ? `${hours} h` : "", minutes ? `${minutes} min` : ""].filter(Boolean);
  return parts.join(" ");
}

/** Short English form of an ISO 8601 duration; the text itself when it cannot be parsed. */
export function describeIsoDuration(text: string): string {
  const seconds = isoDurationSeconds(text);
  return seconds === null ? text : describeSeconds(seconds);
}

/**
 * Time left until a deadline, for countdowns: `2 d 4 h`, `3 h 12 min`, `4 min 05 s`.
 * Seconds are shown only in the last hour, where they matter.
 */
export function describeRemaining(milliseconds: number): string {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3_600);
  const minutes = Math.floor((total % 3_600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min ${String(seconds).padStart(2, "0")} s`;
}
