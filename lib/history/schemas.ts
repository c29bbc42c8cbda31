import { UNSTORABLE_TEXT } from "@/lib/util/text";
import { z } from "zod";
import { ACTION_KINDS } from "@/lib/actions/catalogue";
import { ActionState } from "@/lib/db/generated/enums";

export const ACTION_STATES = Object.values(ActionState);

/** Most actions one history page returns; exports stream every match in pages of this size. */
export const MAX_HISTORY_LIMIT = 200;
export const DEFAULT_HISTORY_LIMIT = 50;

// PostgreSQL text cannot hold U+0000, and a query parameter containing it fails with a server
// error instead of matching nothing; an unpaired surrogate cannot be encoded as UTF-8.

/** HTML forms send "" for an empty field; it means the filter is not set. */
function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((value) => (value === "" ? undefined : value), schema.optional());
}

const ZFilterText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !UNSTORABLE_TEXT.test(text), "must not contain U+0000 or an unpaired surrogate");

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const ZDateOrDateTime = z.union([z.iso.date(), z.iso.datetime({ offset: true, local: true })], {
  error: "must be a date (2026-01-31) or a date and time (2026-01-31T14:00:00Z); times without an offset are UTC",
});

/** Start of a day or an instant; a date-time without an offset is read as UTC. */
function toInstant(text: string): Date {
  if (DATE_ONLY.test(text)) return new Date(`${text}T00:00:00.000Z`);
  return new Date(/(Z|[+-]\d{2}:\d{2})$/i.test(text) ? text : `${text}Z`);
}

/**
 * Exclusive upper bound of `to`: the day after a date, so `to=2026-01-31` includes all of the
 * 31st, or one millisecond after a date-time, which Cordon stores at millisecond precision.
 */
function toExclusiveEnd(text: string): Date {
  const start = toInstant(text);
  return new Date(start.getTime() + (DATE_ONLY.test(text) ? 86_400_000 : 1));
}

const filterShape = {
  state: optional(z.enum(ACTION_STATES, { error: `must be one of ${ACTION_STATES.join(", ")}` })),
  kind: optional(z.enum(ACTION_KINDS, { error: `must be one of ${ACTION_KINDS.join(", ")}` })),
  /** Domain name, exact. */
  domain: optional(ZFilterText(128)),
  /** Name of the workload client that proposed the action, compared without case. */
  requester: optional(ZFilterText(200)),
  /** Email of a person who approved or rejected the action, compared without case. */
  approver: optional(ZFilterText(320).pipe(z.email({ error: "must be an email address such as ana@example.com" })).transform((email) => email.toLowerCase())),
  /** Proposed at or after this date or instant. */
  from: optional(ZDateOrDateTime),
  /** Proposed on or before this date (the whole day) or at or before this instant. */
  to: optional(ZDateOrDateTime),
  /** Substring of the target name or identity, the justification or the incident title, without case. */
  q: optional(ZFilterText(200)),
};

function checkRange(filters: { from?: string | undefined; to?: string | undefined }, context: z.RefinementCtx): void {
  if (filters.from === undefined || filters.to === undefined) return;
  if (toInstant(filters.from).getTime() >= toExclusiveEnd(filters.to).getTime()) {
    context.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
  }
}

/** Filters of the history search and of the exports, as query parameters. */
export const ZHistoryFilters = z.object(filterShape).strict().superRefine(checkRange);
export type HistoryFilters = z.infer<typeof ZHistoryFilters>;

/** Query of `GET /api/console/history`: the filters plus keyset pagination. */
export const ZHistoryQuery = z
  .object({
    ...filterShape,
    /** `nextCursor` of the previous page. */
    cursor: optional(z.string().max(300)),
    limit: z.coerce.number().int().min(1).max(MAX_HISTORY_LIMIT).default(DEFAULT_HISTORY_LIMIT),
  })
  .strict()
  .superRefine(checkRange);
export type HistoryQuery = z.infer<typeof ZHistoryQuery>;

/** The time range of validated filters as a half-open interval [from, before). */
export function timeRange(filters: Pick<HistoryFilters, "from" | "to">): { from: Date | null; before: Date | null } {
  return {
    from: filters.from === undefined ? null : toInstant(filters.from),
    before: filters.to === undefined ? null : toExclusiveEnd(filters.to),
  };
}
