import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { reviewKeys } from "@/components/review/review-keys";
import { ReviewView } from "@/components/review/review-view";
import { loadReview } from "@/lib/console/load-review";
import { toConsolePerson } from "@/lib/console/person";
import { requirePerson } from "@/lib/console/require-person";
import { NotFound } from "@/lib/errors";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Review action · Cordon" };

/**
 * Renders the review page of one action. The server loads the action, seeds react-query with
 * it and renders the whole page, and the client then polls for decisions and execution progress.
 */
export default async function ReviewPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const actor = await requirePerson(`/actions/${encodeURIComponent(id)}`);

  let review;
  try {
    review = await loadReview(id);
  } catch (error) {
    if (error instanceof NotFound) notFound();
    throw error;
  }
  const queryClient = new QueryClient();
  queryClient.setQueryData(reviewKeys.detail(id), review);

  return (
    <HydrationBoundary state={dehydrate(queryClient)}>
      <ReviewView id={id} person={toConsolePerson(actor.user)} />
    </HydrationBoundary>
  );
}
