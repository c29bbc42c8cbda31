// Durations in the browser, from the zod-free half of lib/time so pages do not bundle zod.
import { formatIsoDuration, parseIsoDuration } from "@/lib/time/iso-duration";

/** Seconds of an ISO 8601 duration such as `PT15M`, or null when the text is not a positive one. */
export const isoDurationSeconds = parseIsoDuration;

/** ISO 8601 duration of a whole number of seconds (`900` → `PT15M`). */
export const toIsoDuration = formatIsoDuration;

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
