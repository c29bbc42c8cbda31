"use client";

import { useEffect, useId, useRef, useState } from "react";
import { ApiError, describeApiError } from "@/components/ui/api-client";
import { Callout, ErrorBlock } from "@/components/ui/blocks";
import { Button } from "@/components/ui/button";
import { formatUtc } from "@/components/ui/format";
import { useNow } from "@/components/ui/use-now";
import { credentialOffer } from "@/lib/console/credential-offer";
import type { ReviewModel } from "@/lib/console/load-review";
import type { ConsolePerson } from "@/lib/console/person";
import { useRevealCredential, type RevealedCredential } from "./use-reveal-credential";

type CopyState = "idle" | "copied" | "failed";

const COPY_MESSAGES: Record<CopyState, string> = {
  idle: "",
  copied: "Copied to the clipboard.",
  failed: "Copying failed. Select the text in the field and copy it with your keyboard.",
};

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Shows the revealed value in a read-only field, focused so keyboard users land on it, with a copy button. */
function RevealedValue({ credential, onRemove }: { credential: RevealedCredential; onRemove: () => void }) {
  const fieldId = useId();
  const noteId = useId();
  const fieldRef = useRef<HTMLInputElement>(null);
  const [copy, setCopy] = useState<CopyState>("idle");

  useEffect(() => {
    fieldRef.current?.focus();
  }, []);

  async function copyValue() {
    try {
      await navigator.clipboard.writeText(credential.value);
      setCopy("copied");
    } catch {
      setCopy("failed");
    }
  }

  return (
    <div className="mt-3 flex flex-col gap-3">
      <div className="flex flex-col gap-1">
        <label htmlFor={fieldId} className="font-medium">
          {sentenceCase(credential.label)}
        </label>
        <div className="flex flex-wrap gap-2">
          <input
            ref={fieldRef}
            id={fieldId}
            type="text"
            readOnly
            value={credential.value}
            autoComplete="off"
            spellCheck={false}
            aria-describedby={noteId}
            onFocus={(event) => event.currentTarget.select()}
            className="min-w-0 flex-1 rounded-md border border-slate-400 bg-slate-50 px-2 py-1 font-mono text-sm"
          />
          <Button onClick={() => void copyValue()}>Copy to clipboard</Button>
        </div>
        <p role="status" className="text-sm empty:hidden">
          {COPY_MESSAGES[copy]}
        </p>
      </div>
      <div id={noteId}>
        <Callout tone="warning">Cordon cannot show this credential again. Store it in your secret store now: once you reload or leave this page, it is gone.</Callout>
      </div>
      <div>
        <Button onClick={onRemove}>Remove from this page</Button>
      </div>
    </div>
  );
}

function errorTitle(error: unknown): string {
  if (error instanceof ApiError && error.status === 404) return "The new credential is no longer available";
  if (error instanceof ApiError && error.status === 403) return "You may not receive this credential";
  return "The new credential could not be fetched";
}

/**
 * Lets an approver of a rotate_credential action reveal the new password once (see
 * credentialOffer). The value is kept only in this component's state and dropped when the
 * person removes it or leaves the page.
 */
export function CredentialPanel({ review, person }: { review: ReviewModel; person: ConsolePerson }) {
  const now = useNow();
  const mutation = useRevealCredential(review.action.id);
  const [removed, setRemoved] = useState(false);
  const introId = useId();
  const offer = credentialOffer(person, review.action, { now, round: review.drift.count, waiting: review.credentialWaiting });

  if (offer.kind === "none") return null;

  const revealed = mutation.data;
  // A retry cannot turn a 403 or 404 into success, because the secret is gone or belongs to another person.
  const cannotRetry = mutation.error instanceof ApiError && (mutation.error.status === 404 || mutation.error.status === 403);

  let body;
  if (removed) {
    body = <Callout tone="info">The credential was removed from this page. Cordon cannot show it again.</Callout>;
  } else if (revealed) {
    body = (
      <RevealedValue
        credential={revealed}
        onRemove={() => {
          setRemoved(true);
          mutation.reset();
        }}
      />
    );
  } else if (offer.kind === "already_shown") {
    body = <p className="text-sm">An approver already viewed the new password, and Cordon shows it only once. The incident timeline records who viewed it.</p>;
  } else if (offer.kind === "window_passed") {
    body = (
      <p className="text-sm">
        Cordon discarded the new password 10 minutes after the rotation at {formatUtc(offer.rotatedAt)}, so it can no longer be shown. If nobody stored it, propose another rotation.
      </p>
    );
  } else {
    body = (
      <>
        <p id={introId} className="text-sm">
          This action set a new password. Cordon shows it once, to an approver of this action, and discards it 10 minutes after the rotation. Reveal it before{" "}
          {formatUtc(offer.revealBefore)} and copy it into your secret store at once, because it cannot be shown again.
        </p>
        {mutation.isError ? (
          <div className="mt-3">
            <ErrorBlock title={errorTitle(mutation.error)} message={describeApiError(mutation.error)} />
          </div>
        ) : null}
        {cannotRetry ? null : (
          <div className="mt-3">
            <Button variant="primary" aria-describedby={introId} disabled={mutation.isPending} onClick={() => mutation.mutate()}>
              {mutation.isPending ? "Revealing…" : "Reveal new credential"}
            </Button>
          </div>
        )}
      </>
    );
  }

  return (
    <section aria-labelledby="credential-heading" className="rounded-lg border-2 border-amber-400 bg-white p-5">
      <h2 id="credential-heading" className="text-lg font-semibold">
        New credential
      </h2>
      <div className="mt-2">{body}</div>
    </section>
  );
}
