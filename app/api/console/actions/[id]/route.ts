import { loadReview } from "@/lib/console/load-review";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

/** Everything the review page shows for one action; console sessions only. */
export const GET = apiRoute({ auth: "person" }, async ({ context, params }) => {
  return json(await loadReview(params.id!, { db: context.db }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
