"use client";

import Link from "next/link";
import { ApiError, describeApiError } from "@/components/ui/api-client";
import { ErrorBlock, LoadingBlock } from "@/components/ui/blocks";
import { Button } from "@/components/ui/button";
import { formatUtc } from "@/components/ui/format";
import type { ConsolePerson } from "@/lib/console/person";
import { ActionHeader } from "./action-header";
import { CredentialPanel } from "./credential-panel";
import { DecisionPanel } from "./decision-panel";
import { ExecutionProgress } from "./execution-progress";
import { IncidentPanel } from "./incident-panel";
import { PolicyPanel } from "./policy-panel";
import { ScopeDiff } from "./scope-diff";
import { useReview } from "./use-review";
import { Warnings } from "./warnings";

function BackLink() {
  return (
    <Link href="/" className="text-sm text-blue-800 underline underline-offset-2 hover:text-blue-950">
      Back to the queue
    </Link>
  );
}

/**
 * Everything an approver needs to decide on one action, on one screen. It starts from the
 * data the server rendered and polls while the action is pending or executing, so other
 * approvers' decisions and the executor's progress appear without a reload.
 */
export function ReviewView({ id, person }: { id: string; person: ConsolePerson }) {
  const query = useReview(id);

  if (query.isPending) return <LoadingBlock label="Loading the action…" />;
  if (query.isError && !query.data) {
    const missing = query.error instanceof ApiError && query.error.status === 404;
    return (
      <div className="flex flex-col gap-4">
        <BackLink />
        <ErrorBlock
          title={missing ? "This action does not exist" : "The action could not be loaded"}
          message={describeApiError(query.error)}
          action={missing ? undefined : <Button onClick={() => void query.refetch()}>Try again</Button>}
        />
      </div>
    );
  }

  const review = query.data;
  return (
    <div className="flex flex-col gap-6">
      <BackLink />
      <p className="sr-only" aria-live="polite">
        Action state: {review.action.state}
      </p>
      {query.isError ? (
        <ErrorBlock
          title="The action could not be refreshed"
          message={`${describeApiError(query.error)} What you see is from ${formatUtc(new Date(query.dataUpdatedAt).toISOString())} and may be out of date.`}
        />
      ) : null}
      <ActionHeader review={review} />
      <Warnings review={review} />
      <div className="grid gap-6 lg:grid-cols-5">
        <div className="flex flex-col gap-6 lg:col-span-3">
          <IncidentPanel review={review} />
          <ScopeDiff review={review} />
        </div>
        <div className="flex flex-col gap-6 lg:col-span-2">
          <DecisionPanel review={review} person={person} />
          <CredentialPanel review={review} person={person} />
          <ExecutionProgress review={review} />
          <PolicyPanel review={review} />
        </div>
      </div>
    </div>
  );
}
