import { loadReview } from "@/lib/console/load-review";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Everything the review page shows for one action; console sessions only. */
export const GET = apiRoute({ auth: "person" }, async ({ context, params }) => {
  return json(await loadReview(params.id!, { db: context.db }));
});
