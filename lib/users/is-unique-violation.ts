import { Prisma } from "@/lib/db/client";

/**
 * Returns whether a Prisma error is a unique constraint violation (P2002). Verbs that create named
 * records rely on the constraint instead of a prior lookup, which two concurrent calls could
 * both pass.
 */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
