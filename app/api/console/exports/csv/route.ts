import { EXPORT_ROLES, requireAnyRole } from "@/lib/history/access";
import { exportActions, exportResponse } from "@/lib/history/export-actions";
import { ZHistoryFilters } from "@/lib/history/schemas";
import { apiRoute } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

/** Every action matching the history filters as CSV; console sessions of analysts and admins. */
export const GET = apiRoute({ auth: "person", query: ZHistoryFilters }, async ({ context, query, logger }) => {
  requireAnyRole(context.actor, EXPORT_ROLES, "exporting actions");
  return exportResponse(await exportActions("csv", query, { db: context.db, logger, now: context.clock.now() }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
