import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import { z } from "zod";

// Validates JSON against the schemas of Cordon's OpenAPI document with Ajv. Ajv is a JSON
// Schema 2020-12 validator that shares no code with zod, so a schema zod emitted wrongly fails.
// NOTE: ajv 8 is in node_modules as a dependency of another package, not of Cordon itself.

type Json = Record<string, unknown>;

const UUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;
const ZDateTime = z.iso.datetime({ offset: true });

/** The formats zod emits for Cordon's schemas; a schema with any other format fails to compile. */
const FORMATS = {
  uuid: (value: string) => UUID.test(value),
  "date-time": (value: string) => ZDateTime.safeParse(value).success,
};

export interface OpenApiDocument {
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> } & Json;
  [member: string]: unknown;
}

/** Rewrites `#/components/schemas/X` to `#/$defs/X`, so one JSON Schema contains every component. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, member]) => [key, key === "$ref" && typeof member === "string" ? member.replace("#/components/schemas/", "#/$defs/") : rewriteRefs(member)]),
  );
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message ?? error.keyword} ${JSON.stringify(error.params)}`);
}

export interface DocumentValidator {
  /** Compiles every component schema in strict mode; returns the errors, empty when all compile. */
  compileAll(): string[];
  /** Validates `value` against a schema of the document (inline, or a `$ref` to a component). */
  validate(schema: Json, value: unknown): string[];
  /** The operation whose path template matches `pathname` (relative to `/api/v1`). */
  findOperation(method: string, pathname: string): { template: string; operation: Json } | null;
}

export function createDocumentValidator(document: OpenApiDocument): DocumentValidator {
  const ajv = new Ajv2020({ strict: true, allErrors: true, formats: FORMATS });
  const defs = rewriteRefs(document.components.schemas) as Json;
  const cache = new Map<string, ValidateFunction>();

  const compile = (schema: Json): ValidateFunction => {
    const key = JSON.stringify(schema);
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile({ $defs: defs, ...(rewriteRefs(schema) as Json) });
      cache.set(key, validate);
    }
    return validate;
  };

  const templates = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`),
  }));

  return {
    compileAll() {
      const problems: string[] = [];
      for (const name of Object.keys(document.components.schemas)) {
        try {
          compile({ $ref: `#/components/schemas/${name}` });
        } catch (error) {
          problems.push(`${name}: ${(error as Error).message}`);
        }
      }
      return problems;
    },
    validate(schema, value) {
      const validate = compile(schema);
      return validate(value) ? [] : describe(validate.errors);
    },
    findOperation(method, pathname) {
      const match = templates.find(({ pattern }) => pattern.test(pathname));
      const operation = match ? document.paths[match.template]?.[method.toLowerCase()] : undefined;
      return match && operation ? { template: match.template, operation } : null;
    },
  };
}

/**
 * Checks a response against the document: its status must be documented for the operation, and
 * its body must validate against the schema of that status and content type. Returns the
 * differences, empty when the response matches.
 */
export function checkResponse(validator: DocumentValidator, method: string, pathname: string, status: number, contentType: string, body: unknown): string[] {
  const found = validator.findOperation(method, pathname);
  if (!found) return [`${method} ${pathname} is not in the document`];
  const responses = found.operation.responses as Record<string, { content?: Record<string, { schema: Json }> }>;
  const response = responses[String(status)];
  if (!response) return [`${method} ${found.template} returned ${status}, which the document does not list`];
  const mediaType = contentType.split(";")[0]!.trim();
  const content = response.content?.[mediaType];
  if (!content) return [`${method} ${found.template} ${status} returned ${mediaType}, which the document does not list`];
  return validator.validate(content.schema, body).map((error) => `${method} ${found.template} ${status}: ${error}`);
}
