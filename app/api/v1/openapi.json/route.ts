import { apiRoute, json } from "@/lib/http/route";
import { openApiDocument } from "@/lib/http/openapi";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ auth: "public" }, async () => json(openApiDocument()));
