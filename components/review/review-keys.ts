// Query keys and URLs of the review page. No hooks here, so the server page can seed the
// cache under the same key the client reads.

export const reviewKeys = {
  all: ["console", "review"] as const,
  detail: (id: string) => [...reviewKeys.all, id] as const,
};

export function reviewUrl(id: string): string {
  return `/api/console/actions/${encodeURIComponent(id)}`;
}

export function approvalsUrl(id: string): string {
  return `/api/v1/actions/${encodeURIComponent(id)}/approvals`;
}

/** Route that hands a rotated credential once to an approver of the action. */
export function credentialUrl(id: string): string {
  return `/api/console/actions/${encodeURIComponent(id)}/secret`;
}
