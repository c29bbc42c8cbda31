import { cancelAction } from "@/lib/actions/cancel-action";
import { ZCancelActionBody } from "@/lib/actions/schemas";
import { otherMethods } from "@/lib/http/fallback-handlers";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ auth: "workload", body: ZCancelActionBody, optionalBody: true }, async ({ context, params, body }) => {
  return json(await cancelAction(context, params.id!, body));
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods("POST");
