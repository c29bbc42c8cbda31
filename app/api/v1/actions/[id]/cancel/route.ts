import { cancelAction } from "@/lib/actions/cancel-action";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ auth: "workload" }, async ({ context, params }) => {
  return json(await cancelAction(context, params.id!));
});
