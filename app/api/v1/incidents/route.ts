import { ZIncidentBody } from "@/lib/actions/schemas";
import { apiRoute, json } from "@/lib/http/route";
import { toIncidentView, upsertIncident } from "@/lib/incidents/upsert-incident";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ auth: "workload", body: ZIncidentBody }, async ({ context, body }) => {
  const { incident, created } = await upsertIncident(context, body);
  return json(toIncidentView(incident), created ? 201 : 200);
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods("POST");
