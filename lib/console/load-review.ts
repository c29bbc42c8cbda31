import { ACTION_CATALOGUE, type ActionKind } from "@/lib/actions/catalogue";
import { loadActionView, type ActionView } from "@/lib/actions/read-action";
import { AuditEventType } from "@/lib/audit/event-types";
import { getPrisma, type Db } from "@/lib/db/client";
import { sqlOf, sqlTime } from "@/lib/db/sql";
import { NotFound } from "@/lib/errors";
import { parseIsoDuration } from "@/lib/time/duration";
import { parseEvidence, parseLinks, parseScopeDiff, sourceUrl, type EvidenceItem, type ReviewLink, type ScopeDiffView } from "./review-shapes";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ReviewIncident {
  id: string;
  externalId: string;
  title: string;
  severity: "low" | "medium" | "high" | "critical";
  summary: string;
  source: string | null;
  /** `source` when it is an http(s) URL, so the page can link it. */
  sourceUrl: string | null;
  links: ReviewLink[];
}

/** Everything the review page shows for one action. */
export interface ReviewModel {
  action: ActionView;
  incident: ReviewIncident;
  evidence: EvidenceItem[];
  /** Null when the stored plan does not have the connector's shape; the page then shows it as JSON. */
  scopeDiff: ScopeDiffView | null;
  /** Times the target changed after planning; each one starts a new approval round. */
  drift: { count: number; lastAt: string | null };
  /** Upper bounds for the approve form, in seconds. */
  limits: { maxExecutionWindowSeconds: number; maxEffectDurationSeconds: number };
  /** Whether a rotated credential of this action still waits to be viewed; never the value. */
  credentialWaiting: boolean;
}

/** Loads one action with its incident, drift history and decision limits; throws NotFound. */
export async function loadReview(id: string, options: { db?: Db } = {}): Promise<ReviewModel> {
  if (!UUID.test(id)) throw new NotFound(`action ${id} not found`, { actionId: id });
  const db = options.db ?? getPrisma();

  const action = await loadActionView(db, id);
  const [incident, driftCount, lastDrift] = await Promise.all([
    db.incident.findUnique({ where: { id: action.incidentId } }),
    db.auditEvent.count({ where: { actionId: id, eventType: AuditEventType.actionDrifted } }),
    db.auditEvent.findFirst({ where: { actionId: id, eventType: AuditEventType.actionDrifted }, orderBy: { occurredAt: "desc" }, select: { occurredAt: true } }),
  ]);
  if (!incident) throw new NotFound(`incident ${action.incidentId} of action ${id} not found`, { actionId: id });

  const credentialWaiting = action.kind === "rotate_credential" && (await credentialIsWaiting(db, id));
  const spec = ACTION_CATALOGUE[action.kind as ActionKind];
  return {
    action,
    incident: {
      id: incident.id,
      externalId: incident.externalId,
      title: incident.title,
      severity: incident.severity,
      summary: incident.summary,
      source: incident.source,
      sourceUrl: sourceUrl(incident.source),
      links: parseLinks(incident.links),
    },
    evidence: parseEvidence(action.evidence),
    scopeDiff: parseScopeDiff(action.plan),
    drift: { count: driftCount, lastAt: lastDrift ? lastDrift.occurredAt.toISOString() : null },
    limits: {
      maxExecutionWindowSeconds: parseIsoDuration(action.clocks.maxExecutionWindow) ?? spec.maxExecutionWindowSeconds,
      maxEffectDurationSeconds: spec.reversible ? spec.maxEffectDurationSeconds : 0,
    },
    credentialWaiting,
  };
}

async function credentialIsWaiting(db: Db, actionId: string): Promise<boolean> {
  const rows = await sqlOf(db).query(`SELECT 1 FROM delivered_secrets WHERE "actionId" = $1::uuid AND "expiresAt" > $2::timestamp(3) LIMIT 1`, [actionId, sqlTime(new Date())]);
  return rows.length > 0;
}
