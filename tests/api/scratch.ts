import { buildOpenApiDocument } from "@/lib/http/openapi";
import { createDocumentValidator, type OpenApiDocument } from "./support/openapi-validator";
const v = createDocumentValidator(buildOpenApiDocument() as OpenApiDocument);
console.log(v.validate({ $ref: "#/components/schemas/Action" }, { id: "x" }).slice(0, 5));
console.log(v.validate({ $ref: "#/components/schemas/Problem" }, { type: "x", title: "t", status: 404, detail: "d", instance: "/", requestId: "r", code: "not_found", extra: 1 }));
console.log(v.validate({ $ref: "#/components/schemas/Incident" }, { id: "0b7f4c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d", externalId: "e", title: "t", severity: "high", summary: "", source: null, links: [], createdAt: "2026-01-01T00:00:00.000Z", updatedAt: "not a date" }));
