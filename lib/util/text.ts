import { z } from "zod";

/**
 * U+0000 and unpaired UTF-16 surrogates: PostgreSQL text and jsonb reject the first, and the
 * driver turns the second into U+FFFD, so the stored value would differ from the one sent.
 */
export const UNSTORABLE_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const UNSTORABLE_TEXT_MESSAGE = "contains U+0000 or an unpaired surrogate, which cannot be stored unchanged";

/** Wraps a string schema so it accepts only text PostgreSQL stores exactly as sent. */
export function storableText(schema: z.ZodString = z.string()) {
  return schema.refine((text) => !UNSTORABLE_TEXT.test(text), UNSTORABLE_TEXT_MESSAGE);
}
