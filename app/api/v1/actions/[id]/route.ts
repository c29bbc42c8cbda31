import { getAction } from "@/lib/actions/list-actions";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "any", personalTokens: true }, async ({ context, params }) => {
  return json(await getAction(context, params.id!));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
