"use client";

import { useQuery } from "@tanstack/react-query";
import { getJson } from "@/components/ui/api-client";
import type { QueuePage } from "@/lib/console/list-queue";
import { QUEUE_POLL_MS, QUEUE_URL, queueKeys } from "./queue-keys";

/** Loads the pending actions and polls them, so proposals from automation appear without a reload. */
export function usePendingQueue() {
  return useQuery({
    queryKey: queueKeys.pending(),
    queryFn: ({ signal }) => getJson<QueuePage>(QUEUE_URL, signal),
    refetchInterval: QUEUE_POLL_MS,
  });
}
