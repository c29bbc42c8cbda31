import { expect, type APIRequestContext } from "@playwright/test";
import { proposeAction } from "@/lib/actions/propose-action";
import { ZProposeActionBody, type ProposeActionInput } from "@/lib/actions/schemas";
import type { PrismaClient, WorkloadClient } from "@/lib/db/client";
import { systemClock } from "@/lib/time/clock";
import { serviceContext, workload } from "@/tests/support/factories";

/**
 * Proposes an action in the test process with the lifecycle verb and no planner, so its plan
 * is the requested change and no domain is contacted. Returns the action id.
 */
export async function proposeInProcess(prisma: PrismaClient, client: WorkloadClient, body: ProposeActionInput): Promise<string> {
  const context = await serviceContext(prisma, workload(client), { clock: systemClock });
  return (await proposeAction(context, ZProposeActionBody.parse(body))).action.id;
}

/** Proposes an action through `POST /api/v1/actions` with a workload API key, so the server's connector plans it. Returns the action id. */
export async function proposeThroughApi(api: APIRequestContext, apiKey: string, body: Record<string, unknown>): Promise<string> {
  const response = await api.post("/api/v1/actions", { headers: { authorization: `Bearer ${apiKey}` }, data: body });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}
