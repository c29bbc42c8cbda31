import { dehydrate, HydrationBoundary, QueryClient } from "@tanstack/react-query";
import type { Metadata } from "next";
import { queueKeys } from "@/components/queue/queue-keys";
import { QueueView } from "@/components/queue/queue-view";
import { listQueue } from "@/lib/console/list-queue";
import { requirePerson } from "@/lib/console/require-person";
import { logger } from "@/lib/log/logger";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Approval queue · Cordon" };

/**
 * Renders the approval queue. The server reads the pending actions and seeds react-query with
 * them, so the first paint has the list and the client only polls for changes. When that
 * read fails, the cache stays empty and the client's own request shows the loading or error state.
 */
export default async function QueuePage() {
  await requirePerson("/");
  const queryClient = new QueryClient();
  try {
    queryClient.setQueryData(queueKeys.pending(), await listQueue());
  } catch (error) {
    logger.child({ component: "console" }).error({ err: error }, "queue could not be read for the first render");
  }

  return (
    <>
      <h1 className="mb-4 text-2xl font-semibold">Approval queue</h1>
      <HydrationBoundary state={dehydrate(queryClient)}>
        <QueueView />
      </HydrationBoundary>
    </>
  );
}
