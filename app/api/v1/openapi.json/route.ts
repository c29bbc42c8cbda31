import { apiRoute, json } from "@/lib/http/route";
import { openApiDocument } from "@/lib/http/openapi";
import { otherMethods } from "@/lib/http/fallback-handlers";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "public" }, async () => json(openApiDocument()));

export const { POST, PUT, PATCH, DELETE, OPTIONS } = otherMethods("GET");
