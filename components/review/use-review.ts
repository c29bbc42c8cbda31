"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getJson, postJson } from "@/components/ui/api-client";
import { queueKeys } from "@/components/queue/queue-keys";
import type { ReviewModel } from "@/lib/console/load-review";
import { approvalsUrl, reviewKeys, reviewUrl } from "./review-keys";

/** Polling interval while the action can still change within seconds (decisions, execution). */
const ACTIVE_POLL_MS = 2_000;
/** Polling interval while a reversible action waits for its Effect duration to end. */
const IN_EFFECT_POLL_MS = 10_000;

function pollInterval(review: ReviewModel | undefined): number | false {
  if (!review) return ACTIVE_POLL_MS;
  const { state, clocks } = review.action;
  if (state === "pending" || state === "approved" || state === "executing") return ACTIVE_POLL_MS;
  if (state === "succeeded" && clocks.effectEndsAt) return IN_EFFECT_POLL_MS;
  return false;
}

/** Loads one action with everything the review page shows, and polls while it can still change. */
export function useReview(id: string) {
  return useQuery({
    queryKey: reviewKeys.detail(id),
    queryFn: ({ signal }) => getJson<ReviewModel>(reviewUrl(id), signal),
    refetchInterval: (query) => pollInterval(query.state.data),
  });
}

/** Body of `POST /api/v1/actions/{id}/approvals`, as ZApprovalBody accepts it. */
export type DecisionBody = { decision: "approve"; executionWindow: string; effectDuration?: string; reason: string } | { decision: "reject"; reason: string };

/** Records an approve or reject decision, then refreshes the review and the queue. */
export function useDecision(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: DecisionBody) => postJson<unknown>(approvalsUrl(id), body),
    onSettled: async () => {
      await Promise.all([queryClient.invalidateQueries({ queryKey: reviewKeys.detail(id) }), queryClient.invalidateQueries({ queryKey: queueKeys.all })]);
    },
  });
}
