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
      context.addIssue({ code: "custom", message: `invalid ISO 8601 duration ${JSON.stringify(text)}; use days, hours, minutes or seconds such as PT15M or P1DT4H` });
      return z.NEVER;
    }
    return seconds;
  });
