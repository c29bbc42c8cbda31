import type { z } from "zod";
import { ValidationFailed } from "@/lib/errors";

const MAX_QUOTED_CODE_POINTS = 60;

// Control, format (bidi overrides, zero-width), private-use, unassigned and line/paragraph
// separator characters. Escaped so that a message stays on one line and shows what was typed.
const INVISIBLE = /[\p{C}\p{Zl}\p{Zp}]/gu;

/**
 * Quotes a value typed by an operator for an error message. The result uses JSON string syntax
 * with invisible characters as `\u` escapes and keeps at most `maxCodePoints` code points (60 by
 * default), so the message stays one line and cannot reorder or hide the text around it.
 */
export function quoteValue(value: string, maxCodePoints = MAX_QUOTED_CODE_POINTS): string {
  const codePoints = Array.from(value);
  const truncated = codePoints.length > maxCodePoints ? `${codePoints.slice(0, maxCodePoints).join("")}…` : value;
  return escapeInvisible(JSON.stringify(truncated));
}

/**
 * Replaces control, format, private-use, unassigned and line separator characters with `\u`
 * escapes. Text from outside, such as an identity provider's display name, then cannot move the
 * cursor, end the line or reverse the text after it when printed to a terminal.
 */
export function escapeInvisible(text: string): string {
  return text.replace(INVISIBLE, (character) => {
    const codePoint = character.codePointAt(0) ?? 0;
    return codePoint > 0xffff ? `\\u{${codePoint.toString(16)}}` : `\\u${codePoint.toString(16).padStart(4, "0")}`;
  });
}

export interface ParseAdminInputOptions {
  /** Top-level fields whose values are secrets (a password) and never appear in a message. */
  secretFields?: readonly string[];
  /** JSON pointer of the input within a larger document, put before each problem's pointer. */
  pointerPrefix?: string;
}

/**
 * Parses the input of an administration verb. On failure it throws ValidationFailed with one
 * entry per problem: the JSON pointer of the field and a message that ends with the rejected
 * value, when that value is a string or a number and its field is not secret.
 */
export function parseAdminInput<S extends z.ZodType>(schema: S, input: unknown, subject: string, options: ParseAdminInputOptions = {}): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;

  const secretFields = new Set(options.secretFields ?? []);
  const errors = parsed.error.issues.map((issue) => {
    const secret = issue.path.length === 0 ? secretFields.size > 0 : secretFields.has(String(issue.path[0]));
    const value = secret ? undefined : valueAt(input, issue.path);
    const pointer = `${options.pointerPrefix ?? ""}${toPointer(issue.path)}`;
    if (typeof value === "string") return { pointer, message: `${issue.message}, got ${quoteValue(value)}` };
    if (typeof value === "number") return { pointer, message: `${issue.message}, got ${value}` };
    return { pointer, message: issue.message };
  });
  throw new ValidationFailed(`invalid ${subject}: ${errors.map((error) => `${error.pointer} ${error.message}`).join("; ")}`, errors);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Builds a JSON Pointer (RFC 6901) from a zod issue path. */
function toPointer(path: readonly PropertyKey[]): string {
  return path.map((key) => `/${String(key).replaceAll("~", "~0").replaceAll("/", "~1")}`).join("");
}

// A whole API key or personal access token: the id followed by at least part of the secret.
const PASTED_CREDENTIAL = /^cd[np]_[a-z2-7]{12}_./;

/**
 * Throws ValidationFailed, without echoing the value, when an operator pasted a whole API key
 * or personal access token where its id or a name belongs, so the secret is not repeated in an
 * error message or a log.
 */
export function rejectPastedCredential(value: string, pointer: string): void {
  if (!PASTED_CREDENTIAL.test(value)) return;
  const message = "must be an id or a name, not a whole key or token; give the 12 characters after cdn_ or cdp_, and treat the pasted secret as exposed";
  throw new ValidationFailed(`invalid input: ${pointer} ${message}`, [{ pointer, message }]);
}
