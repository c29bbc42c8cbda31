"use client";

import { useId, useRef, useState, type FormEvent } from "react";
import { ApiError, describeApiError } from "@/components/ui/api-client";
import { Callout, ErrorBlock } from "@/components/ui/blocks";
import { Button } from "@/components/ui/button";
import { describeSeconds, isoDurationSeconds, toIsoDuration } from "@/components/ui/duration";
import { useNow } from "@/components/ui/use-now";
import { decisionEligibility } from "@/lib/console/decision-eligibility";
import type { ReviewModel } from "@/lib/console/load-review";
import type { ConsolePerson } from "@/lib/console/person";
import { defaultExecutionWindow, effectDurationChoices, executionWindowChoices } from "./decision-presets";
import { DurationRadios } from "./duration-radios";
import { useDecision, type DecisionBody } from "./use-review";

const MAX_REASON = 2000;

const ERROR_TITLES: Record<number, string> = {
  403: "You may not decide on this action",
  404: "The action no longer exists",
  409: "The action changed before your decision arrived",
  410: "The Decision deadline has passed",
  422: "The decision was not accepted",
  429: "Too many requests",
};

function errorTitle(error: unknown): string {
  return (error instanceof ApiError && ERROR_TITLES[error.status]) || "The decision could not be recorded";
}

function ApproveForm({ review, onSubmit, busy }: { review: ReviewModel; onSubmit: (body: DecisionBody) => void; busy: boolean }) {
  const { action, limits } = review;
  const windows = executionWindowChoices(limits.maxExecutionWindowSeconds);
  const proposedEffect = action.clocks.effectDuration === null ? null : isoDurationSeconds(action.clocks.effectDuration);
  const effects = action.reversible && limits.maxEffectDurationSeconds > 0 ? effectDurationChoices(proposedEffect, limits.maxEffectDurationSeconds) : [];
  const [executionWindow, setExecutionWindow] = useState<number>(defaultExecutionWindow(windows));
  const [effect, setEffect] = useState<number | null>(null);
  const noteId = useId();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const note = String(new FormData(event.currentTarget).get("note") ?? "").trim();
    onSubmit({ decision: "approve", executionWindow: toIsoDuration(executionWindow), ...(effect !== null ? { effectDuration: toIsoDuration(effect) } : {}), reason: note });
  }

  return (
    <form onSubmit={submit} aria-label="Approve" className="flex flex-col gap-4 rounded-md border border-slate-200 p-4">
      <h3 className="font-semibold">Approve</h3>
      <DurationRadios
        legend="Execution window"
        hint={`How long Cordon may take to carry out the action after the last approval. At most ${describeSeconds(limits.maxExecutionWindowSeconds)}.`}
        name="executionWindow"
        choices={windows}
        value={executionWindow}
        onChange={(seconds) => setExecutionWindow(seconds ?? executionWindow)}
      />
      {effects.length > 0 ? (
        <DurationRadios legend="Effect duration" hint="How long the change stays in effect before Cordon reverts it." name="effectDuration" choices={effects} value={effect} onChange={setEffect} />
      ) : null}
      <div className="flex flex-col gap-1">
        <label htmlFor={noteId} className="font-medium">
          Note (optional)
        </label>
        <textarea id={noteId} name="note" rows={2} maxLength={MAX_REASON} className="rounded-md border border-slate-400 px-2 py-1 text-sm" />
      </div>
      <Button type="submit" variant="primary" disabled={busy}>
        {busy ? "Approving…" : "Approve"}
      </Button>
    </form>
  );
}

function RejectForm({ onSubmit, busy }: { onSubmit: (body: DecisionBody) => void; busy: boolean }) {
  const reasonId = useId();
  const errorId = useId();
  const reasonRef = useRef<HTMLTextAreaElement>(null);
  const [missing, setMissing] = useState(false);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const reason = String(new FormData(event.currentTarget).get("reason") ?? "").trim();
    if (!reason) {
      setMissing(true);
      reasonRef.current?.focus();
      return;
    }
    setMissing(false);
    onSubmit({ decision: "reject", reason });
  }

  return (
    <form onSubmit={submit} aria-label="Reject" noValidate className="flex flex-col gap-3 rounded-md border border-slate-200 p-4">
      <h3 className="font-semibold">Reject</h3>
      <div className="flex flex-col gap-1">
        <label htmlFor={reasonId} className="font-medium">
          Reason for rejecting (required)
        </label>
        <textarea
          ref={reasonRef}
          id={reasonId}
          name="reason"
          rows={3}
          required
          maxLength={MAX_REASON}
          aria-invalid={missing || undefined}
          aria-describedby={missing ? errorId : undefined}
          className="rounded-md border border-slate-400 px-2 py-1 text-sm"
        />
        {missing ? (
          <p id={errorId} className="text-sm font-medium text-red-800">
            Enter a reason: the requester and the audit trail need to know why.
          </p>
        ) : null}
      </div>
      <Button type="submit" variant="danger" disabled={busy}>
        {busy ? "Rejecting…" : "Reject"}
      </Button>
    </form>
  );
}

/**
 * Renders the approve and reject controls for a person who may decide (see
 * decisionEligibility), or one sentence that explains why they are missing. When the API
 * rejects a decision, its problem detail is shown.
 */
export function DecisionPanel({ review, person }: { review: ReviewModel; person: ConsolePerson }) {
  const now = useNow();
  const mutation = useDecision(review.action.id);
  const [done, setDone] = useState<string | null>(null);
  const eligibility = decisionEligibility(person, review.action, { now, round: review.drift.count });

  function decide(body: DecisionBody) {
    setDone(null);
    mutation.mutate(body, {
      onSuccess: () => {
        setDone(body.decision === "approve" ? `You approved this action with an Execution window of ${describeSeconds(isoDurationSeconds(body.executionWindow) ?? 0)}.` : "You rejected this action.");
      },
    });
  }

  return (
    <section aria-labelledby="decision-heading" className="rounded-lg border-2 border-slate-300 bg-white p-5">
      <h2 id="decision-heading" className="text-lg font-semibold">
        Decision
      </h2>
      <div role="status" className="mt-2 empty:hidden">
        {done ? <Callout tone="success">{done}</Callout> : null}
      </div>
      {mutation.isError ? (
        <div className="mt-2">
          <ErrorBlock title={errorTitle(mutation.error)} message={describeApiError(mutation.error)} />
        </div>
      ) : null}
      {eligibility.explanation ? (
        <div className="mt-2">
          <Callout tone={eligibility.canReject ? "warning" : "info"}>{eligibility.explanation}</Callout>
        </div>
      ) : null}
      {eligibility.canApprove || eligibility.canReject ? (
        <div className="mt-4 flex flex-col gap-4">
          {eligibility.canApprove ? <ApproveForm review={review} onSubmit={decide} busy={mutation.isPending} /> : null}
          {eligibility.canReject ? <RejectForm onSubmit={decide} busy={mutation.isPending} /> : null}
        </div>
      ) : null}
    </section>
  );
}
