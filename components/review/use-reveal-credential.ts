"use client";

import { useMutation } from "@tanstack/react-query";
import { postJson } from "@/components/ui/api-client";
import { credentialUrl } from "./review-keys";

/** A rotated credential as `POST /api/console/actions/{id}/secret` returns it. */
export interface RevealedCredential {
  label: string;
  value: string;
}

/**
 * Fetches the action's rotated credential; the server hands it out once. `gcTime: 0` drops
 * the result from react-query's mutation cache as soon as the panel unmounts, so the value
 * lives only as long as the page shows it.
 */
export function useRevealCredential(id: string) {
  return useMutation({
    mutationFn: () => postJson<RevealedCredential>(credentialUrl(id), {}),
    gcTime: 0,
  });
}
