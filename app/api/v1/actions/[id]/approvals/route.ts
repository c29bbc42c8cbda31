import { recordApproval } from "@/lib/actions/record-approval";
import { ZApprovalBody } from "@/lib/actions/schemas";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ auth: "person", personalTokens: true, body: ZApprovalBody }, async ({ context, params, body }) => {
  const result = await recordApproval(context, params.id!, body);
  return json({ ...result.action, recorded: result.recorded }, result.recorded ? 201 : 200);
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods("POST");
