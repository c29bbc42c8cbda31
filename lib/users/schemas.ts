import { z } from "zod";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "@/lib/auth/password";
import { PERSON_ROLES } from "@/lib/policy/types";
import { ZTokenLifetime } from "./token-lifetime";

/**
 * An email address, stored in lower case because approvals are counted per person and
 * separation of duties compares the addresses of owners and approvers.
 */
export const ZEmail = z
  .email({ error: "must be an email address such as ana@example.com" })
  .max(320, "must be at most 320 characters")
  .toLowerCase();

/** A person's role; typed as a string on input, so callers can pass what an operator typed. */
export const ZRole = z.string().pipe(z.enum(PERSON_ROLES, { error: `must be one of ${PERSON_ROLES.join(", ")}` }));

// Display names are shown in the console and the audit trail: no control or format characters,
// which could break a line or reorder the text around the name.
const ZDisplayName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .refine((name) => !/[\p{C}\p{Zl}\p{Zp}]/u.test(name), "must not contain control, format or line separator characters");

/** Input of createUser. Without a password the verb generates one. */
export const ZCreateUserInput = z
  .object({
    email: ZEmail,
    roles: z
      .array(ZRole)
      .min(1, "must be given at least once: approver, analyst or admin")
      .transform((roles) => [...new Set(roles)].sort()),
    displayName: ZDisplayName.optional(),
    password: z
      .string()
      .min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`)
      .max(MAX_PASSWORD_LENGTH, `must be at most ${MAX_PASSWORD_LENGTH} characters`)
      .optional(),
  })
  .strict();
export type CreateUserInput = z.input<typeof ZCreateUserInput>;

/** Name of a personal access token, so its owner can see where it is used. */
const ZTokenName = ZDisplayName.pipe(z.string().max(100, "must be at most 100 characters"));

/** Input of createPersonalToken. */
export const ZCreatePersonalTokenInput = z
  .object({
    email: ZEmail,
    name: ZTokenName.default("cli"),
    lifetime: ZTokenLifetime.prefault("30d"),
  })
  .strict();
export type CreatePersonalTokenInput = z.input<typeof ZCreatePersonalTokenInput>;
