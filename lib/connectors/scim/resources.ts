import { z } from "zod";
import { ConnectorError, type DomainReference } from "@/lib/connectors/types";
import { ScimHttpError, type ScimClient, type ScimResponse } from "./client";

export const PATCH_OP_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/** Page size for list requests; RFC 7644 §3.4.2.4 lets the server return fewer. */
const PAGE_SIZE = 100;
/** Upper bound on groups listed for one blast radius, so a huge directory cannot stall a plan. */
export const MAX_LISTED_GROUPS = 1000;

// Responses are parsed without `.strict()`: service providers return many attributes Cordon
// does not use, and the unknown ones are dropped.
const ZScimReference = z.object({ value: z.string().min(1), display: z.string().optional() });

export const ZScimUser = z.object({
  id: z.string().min(1),
  userName: z.string().optional(),
  displayName: z.string().optional(),
  active: z.boolean().optional(),
  groups: z.array(ZScimReference).optional(),
  meta: z.object({ version: z.string().optional() }).optional(),
});
export type TScimUser = z.output<typeof ZScimUser>;

export const ZScimGroup = z.object({
  id: z.string().min(1),
  displayName: z.string().optional(),
  members: z.array(ZScimReference).optional(),
  meta: z.object({ version: z.string().optional() }).optional(),
});
export type TScimGroup = z.output<typeof ZScimGroup>;

const ZListResponse = z.object({
  totalResults: z.number().int().min(0),
  Resources: z.array(z.unknown()).optional(),
});

export interface Fetched<T> {
  resource: T;
  /** meta.version, or the ETag header when the body has none. */
  version: string | undefined;
  references: DomainReference[];
}

/**
 * Checks that an id stays one path segment. Percent-encoding keeps `/` inside the segment, but URL
 * parsing still resolves `.` and `..` segments, even percent-encoded ones.
 */
export function isValidResourceId(id: string): boolean {
  return id.length > 0 && id.length <= 256 && id !== "." && id !== ".." && !/[\u0000-\u001f\u007f]/.test(id);
}

export function assertResourceId(id: string, label: string): void {
  if (!isValidResourceId(id)) throw new ConnectorError(`${label} ${JSON.stringify(id.slice(0, 80))} is not a valid SCIM id`, false);
}

/** Encodes a string as a SCIM filter value; filter strings are JSON strings (RFC 7644 §3.4.2.2). */
export function filterString(value: string): string {
  return JSON.stringify(value);
}

function parseResource<T>(schema: z.ZodType<T>, response: ScimResponse, resourceName: string): Fetched<T> {
  const parsed = schema.safeParse(response.body);
  if (!parsed.success) {
    throw new ConnectorError(`The SCIM server returned an invalid ${resourceName}: ${z.prettifyError(parsed.error)}`, false, response.references);
  }

  const meta = (parsed.data as { meta?: { version?: string } }).meta;
  return { resource: parsed.data, version: meta?.version ?? response.etag, references: response.references };
}

export function versionReferences(type: string, version: string | undefined): DomainReference[] {
  return version === undefined ? [] : [{ type, value: version }];
}

export async function getUser(client: ScimClient, id: string, signal: AbortSignal): Promise<Fetched<TScimUser>> {
  assertResourceId(id, "Target identity");
  try {
    const response = await client.send({ method: "GET", path: `/Users/${encodeURIComponent(id)}`, signal });
    return parseResource(ZScimUser, response, "User resource");
  } catch (error) {
    if (error instanceof ScimHttpError && error.status === 404) {
      const message = `SCIM user ${id} was not found. target.identity must be the user's SCIM id, not the userName.`;
      throw new ConnectorError(message, false, error.references);
    }
    throw error;
  }
}

/** Returns undefined when the server responds with 404, so callers can fall back to a displayName lookup. */
export async function findGroupById(client: ScimClient, id: string, signal: AbortSignal): Promise<Fetched<TScimGroup> | undefined> {
  assertResourceId(id, "Group id");
  try {
    const response = await client.send({ method: "GET", path: `/Groups/${encodeURIComponent(id)}`, signal });
    return parseResource(ZScimGroup, response, "Group resource");
  } catch (error) {
    if (error instanceof ScimHttpError && error.status === 404) return undefined;
    throw error;
  }
}

export interface GroupPage {
  groups: TScimGroup[];
  totalResults: number;
  references: DomainReference[];
}

/** Lists groups matching a SCIM filter, page by page, up to `limit` groups. */
export async function listGroups(client: ScimClient, filter: string, limit: number, signal: AbortSignal): Promise<GroupPage> {
  const groups: TScimGroup[] = [];
  const references: DomainReference[] = [];
  let totalResults = 0;

  while (groups.length < limit) {
    const count = Math.min(PAGE_SIZE, limit - groups.length);
    const query = { filter, startIndex: String(groups.length + 1), count: String(count) };
    const response = await client.send({ method: "GET", path: "/Groups", query, signal });
    references.push(...response.references);

    const page = ZListResponse.safeParse(response.body);
    if (!page.success) throw new ConnectorError("The SCIM server returned an invalid ListResponse for /Groups", false, references);
    totalResults = page.data.totalResults;

    const resources = page.data.Resources ?? [];
    for (const resource of resources) groups.push(parseResource(ZScimGroup, { ...response, body: resource }, "Group resource").resource);
    if (resources.length === 0 || groups.length >= totalResults) break;
  }

  return { groups, totalResults, references };
}

export async function patchResource(
  client: ScimClient,
  path: string,
  operations: Record<string, unknown>[],
  ifMatch: string | undefined,
  signal: AbortSignal,
): Promise<ScimResponse> {
  const body = { schemas: [PATCH_OP_SCHEMA], Operations: operations };
  return client.send({ method: "PATCH", path, body, ifMatch, signal });
}
