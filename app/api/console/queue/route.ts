import { listQueue } from "@/lib/console/list-queue";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

/** Pending actions for the console's queue, soonest Decision deadline first; console sessions only. */
export const GET = apiRoute({ auth: "person" }, async ({ context }) => {
  return json(await listQueue({ db: context.db }));
});
