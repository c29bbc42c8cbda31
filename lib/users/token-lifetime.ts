import { z } from "zod";

const HOUR_SECONDS = 3_600;
const DAY_SECONDS = 24 * HOUR_SECONDS;

/** Maximum lifetime of a personal access token or API key: one year. */
export const MAX_TOKEN_LIFETIME_SECONDS = 365 * DAY_SECONDS;

const LIFETIME = /^([1-9][0-9]{0,3})([dh])$/;

/**
 * Credential lifetime such as `30d` or `12h`, parsed to seconds. Only whole days and hours
 * are accepted, from 1h to 365d, so a typo cannot issue a credential that never expires.
 */
export const ZTokenLifetime = z.string().transform((text, context) => {
  const match = LIFETIME.exec(text);
  const amount = Number(match?.[1]);
  const unit = match?.[2];
  if (!match || unit === undefined) {
    context.addIssue({ code: "custom", message: "must be a number of days or hours such as 30d or 12h" });
    return z.NEVER;
  }
  const seconds = amount * (unit === "d" ? DAY_SECONDS : HOUR_SECONDS);
  if (seconds > MAX_TOKEN_LIFETIME_SECONDS) {
    context.addIssue({ code: "custom", message: "must be at most 365d (8760h)" });
    return z.NEVER;
  }
  return seconds;
});
