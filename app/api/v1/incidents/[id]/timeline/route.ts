import { readIncidentTimeline, ZTimelineQuery } from "@/lib/audit/timeline";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "any", personalTokens: true, query: ZTimelineQuery }, async ({ context, params, query }) => {
  return json(await readIncidentTimeline(context, params.id ?? "", query));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
