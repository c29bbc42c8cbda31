// Text formatting shared by console pages. Times are shown in UTC so the server's first
// render and the browser's hydration produce the same text whatever the time zones.

/** `2025-12-04 20:15:03 UTC` for an ISO 8601 timestamp; the text itself when it is not one. */
export function formatUtc(iso: string): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

const KIND_LABELS: Record<string, string> = {
  revoke_token: "Revoke token",
  disable_account: "Disable account",
  rotate_credential: "Rotate credential",
  remove_entitlement: "Remove entitlement",
  quarantine_workload: "Quarantine workload",
};

/** Title of an action kind from the action catalogue; unknown kinds show as sent. */
export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? kind;
}

/** Sentence case of an enum value without a label: `already_in_effect` → `Already in effect`. */
export function humanise(value: string): string {
  const text = value.replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** `1 of 2` for the approvals of the current round. */
export function approvalsProgress(soFar: number, required: number): string {
  return `${soFar} of ${required}`;
}

/** Returns an http(s) URL that is safe to use as an href, or null, so other schemes never become links. */
export function safeHref(value: unknown): string | null {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}
