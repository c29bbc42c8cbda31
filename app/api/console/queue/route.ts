import { listQueue } from "@/lib/console/list-queue";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

/** Pending actions for the console's queue, soonest Decision deadline first; console sessions only. */
export const GET = apiRoute({ auth: "person" }, async ({ context }) => {
  return json(await listQueue({ db: context.db }));
});

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
