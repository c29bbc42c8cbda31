import { ingestDomainEvents } from "@/lib/audit/ingest/ingest-domain-events";
import { MAX_INGEST_BODY_BYTES, ZIngestEventsBody } from "@/lib/audit/ingest/schemas";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

// 200 with each event listed as accepted or rejected, even when every event was rejected.
export const POST = apiRoute({ auth: "workload", body: ZIngestEventsBody, maxBodyBytes: MAX_INGEST_BODY_BYTES }, async ({ context, body }) => {
  return json(await ingestDomainEvents(context, body));
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods("POST");
