// Query keys and URLs of the queue. This module has no hooks, so server components can
// import it to seed the react-query cache under the same key the client reads.

export const QUEUE_URL = "/api/console/queue";

/** Polling interval of the queue, in milliseconds. */
export const QUEUE_POLL_MS = 2_500;

export const queueKeys = {
  all: ["console", "queue"] as const,
  pending: () => [...queueKeys.all, "pending"] as const,
};
