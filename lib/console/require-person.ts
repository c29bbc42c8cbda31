import { redirect } from "next/navigation";
import type { Actor } from "@/lib/actions/context";
import { sessionActor } from "@/lib/auth/session-actor";

export type PersonActor = Extract<Actor, { type: "person" }>;

/**
 * Returns the signed-in person of this request, or redirects to the sign-in page with
 * `returnTo` as the page to come back to. Every console page calls it, because the proxy's
 * cookie check is only a shortcut and does not verify the session.
 */
export async function requirePerson(returnTo: string): Promise<PersonActor> {
  const actor = await sessionActor();
  if (!actor) redirect(`/sign-in?callbackUrl=${encodeURIComponent(returnTo)}`);
  return actor;
}
