import { z } from "zod";

import { parseIsoDuration } from "./iso-duration";

export { formatIsoDuration, parseIsoDuration } from "./iso-duration";

/** A positive ISO 8601 duration, parsed to seconds. */
export const ZIsoDuration = z
  .string()
  .max(32)
  .transform((text, context) => {
    const seconds = parseIsoDuration(text);
    if (seconds === null) {
      const reason = /^P(?:\d+[YMW])/.test(text) ? "years, months and weeks are not accepted because their length varies" : text === "PT0S" || /^P(T?0+[DHMS])+$/.test(text) ? "it must be longer than zero" : "it is not an ISO 8601 duration";
      context.addIssue({ code: "custom", message: `invalid duration ${JSON.stringify(text)}: ${reason}; use days, hours, minutes or seconds such as PT15M or P1DT4H` });
      return z.NEVER;
    }
    return seconds;
  });
