import { ConnectorError, type ConnectorCallContext } from "@/lib/connectors/types";

/**
 * Runs one connector call with a deadline. The call's signal aborts when `timeoutMs` passes or
 * when `outer` aborts because the worker is shutting down. The returned promise then rejects
 * at once with a transient ConnectorError, even if the connector ignores its signal, so a hung
 * domain cannot block a worker. A timed-out write may still land in the domain later, and the
 * retry then finds it in effect, because connectors apply idempotently.
 */
export async function callConnector<T>(
  operation: string,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  call: (context: ConnectorCallContext) => Promise<T>,
  idempotencyKey?: string,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new ConnectorError(`${operation} timed out after ${timeoutMs} ms`, true)), timeoutMs);
  const onOuterAbort = () => controller.abort(new ConnectorError(`${operation} was stopped because the worker is shutting down`, true));
  if (outer?.aborted) onOuterAbort();
  outer?.addEventListener("abort", onOuterAbort, { once: true });

  let rejectOnAbort: (reason: unknown) => void = () => undefined;
  const aborted = new Promise<never>((_resolve, reject) => {
    rejectOnAbort = reject;
  });
  const onAbort = () => rejectOnAbort(controller.signal.reason);
  if (controller.signal.aborted) onAbort();
  controller.signal.addEventListener("abort", onAbort, { once: true });

  const context: ConnectorCallContext = idempotencyKey === undefined ? { signal: controller.signal } : { signal: controller.signal, idempotencyKey };
  try {
    return await Promise.race([call(context), aborted]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuterAbort);
    controller.signal.removeEventListener("abort", onAbort);
  }
}
