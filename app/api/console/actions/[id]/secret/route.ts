import { takeDeliveredSecret } from "@/lib/executor/take-delivered-secret";
import { apiRoute, json } from "@/lib/http/route";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

/**
 * Shows a rotated credential once to a person who approved the action. Only console sessions
 * qualify. Without `personalTokens`, the wrapper rejects personal access tokens, and it
 * applies its same-origin check to the session cookie. `json` sends `cache-control: no-store`,
 * so no cache keeps the value.
 */
export const POST = apiRoute({ auth: "person" }, async ({ context, params }) => {
  const secret = await takeDeliveredSecret(context, params.id!);
  return json({ label: secret.label, value: secret.value });
});

export const { GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = otherMethods("POST");
