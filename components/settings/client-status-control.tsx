"use client";

import { useActionState, useEffect, useRef, useState } from "react";
import { Button, buttonClasses } from "@/components/ui/button";

export interface DisableClientState {
  status: "idle" | "done" | "error";
  message: string;
}

type DisableAction = (state: DisableClientState, form: FormData) => Promise<DisableClientState>;

const IDLE: DisableClientState = { status: "idle", message: "" };

/**
 * Shows a client's state with its Disable button. Disabling takes a second click to confirm,
 * because the client's automation stops at once. The result message remains after the page
 * refreshes with the client disabled, since this component keeps its place in the table.
 */
export function ClientStatusControl({ clientId, clientName, enabled, action }: { clientId: string; clientName: string; enabled: boolean; action: DisableAction }) {
  const [state, formAction, pending] = useActionState(action, IDLE);
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  const message =
    state.status === "idle" ? null : (
      <p role={state.status === "error" ? "alert" : "status"} className={`text-xs ${state.status === "error" ? "text-red-800" : "text-green-900"}`}>
        {state.message}
      </p>
    );

  if (!enabled) {
    return (
      <div className="flex flex-col gap-1">
        <span className="font-semibold text-red-800">Disabled</span>
        {message}
      </div>
    );
  }

  return (
    <form action={formAction} className="flex flex-col items-start gap-2" onSubmit={() => setConfirming(false)}>
      <input type="hidden" name="clientId" value={clientId} />
      <span className="font-semibold text-green-900">Enabled</span>
      {confirming ? (
        <div className="flex flex-col gap-2 rounded-md border border-red-300 bg-red-50 p-2">
          <p className="text-xs text-red-950">
            Disable <bdi className="font-semibold">{clientName}</bdi>? Its API keys and JWTs are rejected from the next request on.
          </p>
          <div className="flex gap-2">
            <button ref={confirmRef} type="submit" disabled={pending} className={buttonClasses("danger", "px-3 py-1")}>
              Confirm disable
            </button>
            <Button onClick={() => setConfirming(false)} className="px-3 py-1">
              Cancel
            </Button>
          </div>
        </div>
      ) : (
        <Button variant="danger" disabled={pending} onClick={() => setConfirming(true)} className="px-3 py-1">
          {pending ? "Disabling…" : "Disable"}
          <span className="sr-only"> workload client {clientName}</span>
        </Button>
      )}
      {message}
    </form>
  );
}
