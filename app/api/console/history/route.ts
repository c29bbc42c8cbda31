import { HISTORY_ROLES, requireAnyRole } from "@/lib/history/access";
import { ZHistoryQuery } from "@/lib/history/schemas";
import { searchActions } from "@/lib/history/search-actions";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

/** One page of the action history with the console's filters; console sessions of analysts, approvers and admins. */
export const GET = apiRoute({ auth: "person", query: ZHistoryQuery }, async ({ context, query }) => {
  requireAnyRole(context.actor, HISTORY_ROLES, "searching the action history");
  return json(await searchActions(query, { db: context.db }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
