import { getAction } from "@/lib/actions/list-actions";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "any", personalTokens: true }, async ({ context, params }) => {
  return json(await getAction(context, params.id!));
});
