import { ingestDomainEvents } from "@/lib/audit/ingest/ingest-domain-events";
import { readIngestBody } from "@/lib/audit/ingest/read-body";
import { ZIngestEventsBody } from "@/lib/audit/ingest/schemas";
import { apiRoute, json } from "@/lib/http/route";

export const dynamic = "force-dynamic";

// The body is read here rather than through `apiRoute`'s `body` option: a batch of up to 1000
// OCSF events needs a larger byte limit than the API's 64 KiB. The response is 200 with each
// event listed as accepted or rejected, even when every event was rejected.
export const POST = apiRoute({ auth: "workload" }, async ({ request, context }) => {
  const body = ZIngestEventsBody.parse(await readIngestBody(request));
  return json(await ingestDomainEvents(context, body));
});
