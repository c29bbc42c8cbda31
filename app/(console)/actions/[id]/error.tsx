"use client";

import { ErrorBlock } from "@/components/ui/blocks";
import { Button } from "@/components/ui/button";

/** Shown when the review page fails on the server; the digest matches the server's log line. */
export default function ReviewError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-2xl font-semibold">Review action</h1>
      <ErrorBlock
        title="The action could not be loaded"
        message={`The server failed to load this action.${error.digest ? ` Quote error ${error.digest} when reporting it.` : ""}`}
        action={<Button onClick={reset}>Try again</Button>}
      />
    </div>
  );
}
