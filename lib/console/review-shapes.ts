import { z } from "zod";

// Incidents, evidence and plans are stored as JSON written by other code paths (the API,
// connectors), so the review page parses them again instead of trusting their shape. Links
// keep only http(s) URLs: a javascript: or data: URL must never become an href.

function httpUrlOrNull(value: unknown): string | null {
  if (typeof value !== "string" || value.length > 2048) return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.toString() : null;
  } catch {
    return null;
  }
}

export interface ReviewLink {
  title: string | null;
  url: string;
}

export interface EvidenceItem {
  title: string;
  detail: string | null;
  url: string | null;
  observedAt: string | null;
}

/** JSON values of a scope diff, as stored by the connector. */
export type DiffValue = string | number | boolean | null | DiffValue[] | { [key: string]: DiffValue };

export interface DiffObject {
  type: string;
  id: string;
  displayName: string | null;
  before: Record<string, DiffValue>;
  after: Record<string, DiffValue>;
}

export interface BlastRadiusItem {
  type: string;
  id: string;
  description: string;
}

export interface ScopeDiffView {
  objects: DiffObject[];
  blastRadius: BlastRadiusItem[];
}

const ZLink = z.object({ title: z.string().max(200).optional(), url: z.unknown() });
const ZEvidence = z.object({ title: z.string(), detail: z.string().optional(), url: z.unknown().optional(), observedAt: z.string().optional() });
const ZRecord = z.record(z.string(), z.json());
const ZDiffObject = z.object({ type: z.string(), id: z.string(), displayName: z.string().optional(), before: ZRecord, after: ZRecord });
const ZBlastRadius = z.object({ type: z.string(), id: z.string(), description: z.string() });
const ZPlan = z.object({ objects: z.array(ZDiffObject), blastRadius: z.array(ZBlastRadius).default([]) });

/** Incident links with an http(s) URL; other entries are dropped. */
export function parseLinks(value: unknown): ReviewLink[] {
  if (!Array.isArray(value)) return [];
  const links: ReviewLink[] = [];
  for (const entry of value) {
    const parsed = ZLink.safeParse(entry);
    const url = parsed.success ? httpUrlOrNull(parsed.data.url) : null;
    if (parsed.success && url) links.push({ title: parsed.data.title ?? null, url });
  }
  return links;
}

/** Evidence items; a URL that is not http(s) is dropped and the item kept as text. */
export function parseEvidence(value: unknown): EvidenceItem[] {
  if (!Array.isArray(value)) return [];
  const items: EvidenceItem[] = [];
  for (const entry of value) {
    const parsed = ZEvidence.safeParse(entry);
    if (!parsed.success) continue;
    items.push({ title: parsed.data.title, detail: parsed.data.detail ?? null, url: httpUrlOrNull(parsed.data.url), observedAt: parsed.data.observedAt ?? null });
  }
  return items;
}

/** The scope diff, or null when the stored plan does not have the connector's shape. */
export function parseScopeDiff(value: unknown): ScopeDiffView | null {
  const parsed = ZPlan.safeParse(value);
  if (!parsed.success) return null;
  return {
    objects: parsed.data.objects.map((object) => ({
      type: object.type,
      id: object.id,
      displayName: object.displayName ?? null,
      before: object.before as Record<string, DiffValue>,
      after: object.after as Record<string, DiffValue>,
    })),
    blastRadius: parsed.data.blastRadius,
  };
}

/** The incident's source as a link when it is an http(s) URL. */
export function sourceUrl(source: string | null): string | null {
  return source === null ? null : httpUrlOrNull(source);
}
