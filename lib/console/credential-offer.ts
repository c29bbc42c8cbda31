import type { ActionView } from "@/lib/actions/read-action";
import { SECRET_PICKUP_WINDOW_MS } from "@/lib/executor/pickup-window";
import type { ConsolePerson } from "./person";

// This module has no server imports: the review page runs it in the browser, where the
// pickup window closes while the page is open.

export type CredentialOffer =
  /** The page shows nothing about a new credential. */
  | { kind: "none" }
  /** The reveal button is offered; `revealBefore` is the earliest moment the store may discard the secret. */
  | { kind: "available"; revealBefore: string }
  /** The pickup window has certainly closed, so the store no longer has the secret. */
  | { kind: "window_passed"; rotatedAt: string }
  /** The window is open, but the store has no secret any more: an approver already viewed it. */
  | { kind: "already_shown" };

type OfferAction = Pick<ActionView, "kind" | "state" | "approvals" | "executions">;

/**
 * Decides whether the review page offers to reveal a rotated credential. It offers it only for
 * a rotate_credential action that succeeded, to a person with the approver role who approved
 * it in the current round `round`, as the secret route checks. `waiting` is true while the store
 * still has the secret. Once an approver viewed it, the page reports that instead of the offer.
 * The store starts its 10-minute pickup window when apply returns, between the execution's start and finish. So a secret
 * that was not taken is still stored before start + 10 minutes and gone after finish + 10
 * minutes. The route decides in the end, and this only shapes the page.
 */
export function credentialOffer(person: ConsolePerson, action: OfferAction, options: { now: number; round: number; waiting: boolean }): CredentialOffer {
  if (action.kind !== "rotate_credential" || action.state !== "succeeded") return { kind: "none" };
  if (!person.roles.includes("approver")) return { kind: "none" };
  const approved = action.approvals.some((approval) => approval.round === options.round && approval.approver.id === person.id && approval.decision === "approve");
  if (!approved) return { kind: "none" };

  // Only an apply with outcome "applied" set a new password; "already_in_effect" delivers none.
  const rotation = action.executions.filter((execution) => execution.operation === "apply" && execution.outcome === "applied").at(-1);
  if (!rotation) return { kind: "none" };

  const closedBy = Date.parse(rotation.finishedAt ?? rotation.startedAt) + SECRET_PICKUP_WINDOW_MS;
  if (options.now >= closedBy) return { kind: "window_passed", rotatedAt: rotation.startedAt };
  if (!options.waiting) return { kind: "already_shown" };
  return { kind: "available", revealBefore: new Date(Date.parse(rotation.startedAt) + SECRET_PICKUP_WINDOW_MS).toISOString() };
}
