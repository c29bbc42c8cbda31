import { getServerSession } from "next-auth";
import type { Actor } from "@/lib/actions/context";
import { getPrisma } from "@/lib/db/client";
import { authOptions } from "./nextauth-options";

/**
 * The signed-in person of the current request, or null. Roles and the disabled flag are
 * read from the database on every request, so a change takes effect without a new sign-in.
 */
export async function sessionActor(): Promise<Extract<Actor, { type: "person" }> | null> {
  const session = await getServerSession(authOptions());
  const userId = (session?.user as { id?: string } | undefined)?.id;
  if (!userId) return null;
  const user = await getPrisma().user.findUnique({ where: { id: userId } });
  if (!user || user.disabled) return null;
  return { type: "person", user, via: "session" };
}
