import { ValidationFailed } from "@/lib/errors";
import { listActions, ZListActionsQuery } from "@/lib/actions/list-actions";
import { proposeAction } from "@/lib/actions/propose-action";
import { ZIdempotencyKey, ZProposeActionBody } from "@/lib/actions/schemas";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ auth: "workload", body: ZProposeActionBody, rateLimit: "proposals" }, async ({ request, context, body }) => {
  const header = request.headers.get("idempotency-key");
  const parsed = header === null ? undefined : ZIdempotencyKey.safeParse(header);
  if (parsed && !parsed.success) throw new ValidationFailed(`Idempotency-Key header ${parsed.error.issues[0]!.message}`, [{ pointer: "/headers/idempotency-key", message: parsed.error.issues[0]!.message }]);
  const key = parsed?.data;
  const result = await proposeAction(context, body, key);
  return json({ ...result.action, replayed: result.replayed }, result.replayed ? 200 : 201, { location: `/api/v1/actions/${result.action.id}` });
});

export const GET = apiRoute({ auth: "any", personalTokens: true, query: ZListActionsQuery }, async ({ context, query }) => {
  return json(await listActions(context, query));
});

export const { PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET", "POST");
