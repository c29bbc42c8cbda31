import type { Json } from "@/lib/util/canonical-json";
import { OCSF_CLASSES, OCSF_SEVERITIES, OCSF_STATUSES, activityName, type OcsfClass } from "./ocsf-classes";
import type { OcsfEvent, OcsfUser } from "./ocsf-schema";

/** Maximum length of a summary line, in code points. */
export const MAX_SUMMARY_LENGTH = 300;

/** The values Cordon reads from one OCSF event, before correlation. */
export interface NormalisedDomainEvent {
  /** `domain.<class key>`, such as `domain.account_change`. */
  eventType: string;
  occurredAt: Date;
  /** The OCSF actor user's uid, else the domain name. */
  actorId: string;
  ocsfUid: string | null;
  correlationUid: string | null;
  /** uid, name and email of the identities the event is about, matched against action targets. */
  targetKeys: string[];
  summary: string;
  /** The normalised summary stored beside the original event in the audit payload. */
  facts: { [key: string]: Json };
}

/** Normalises one parsed OCSF event received from `domain`. */
export function normaliseOcsfEvent(event: OcsfEvent, domain: string): NormalisedDomainEvent {
  const ocsfClass = OCSF_CLASSES[event.class_uid];
  if (!ocsfClass) throw new Error(`normaliseOcsfEvent called with unsupported class ${event.class_uid}; parse with ZOcsfEvent first`);

  const activity = activityName(ocsfClass, event.activity_id, event.activity_name);
  const summary = summarise(event, ocsfClass, activity);
  return {
    eventType: `domain.${ocsfClass.key}`,
    occurredAt: new Date(event.time),
    actorId: event.actor?.user?.uid ?? domain,
    ocsfUid: event.metadata.uid ?? null,
    correlationUid: event.metadata.correlation_uid ?? null,
    targetKeys: targetKeys(event),
    summary,
    facts: {
      summary,
      ocsf: {
        uid: event.metadata.uid ?? null,
        classUid: ocsfClass.uid,
        className: ocsfClass.name,
        categoryUid: event.category_uid,
        activityId: event.activity_id,
        activityName: activity,
        typeUid: event.type_uid,
        severityId: event.severity_id,
        severity: OCSF_SEVERITIES[event.severity_id] ?? null,
        statusId: event.status_id ?? null,
        status: event.status_id === undefined ? null : (OCSF_STATUSES[event.status_id] ?? null),
        version: event.metadata.version,
        product: { name: event.metadata.product.name ?? null, vendorName: event.metadata.product.vendor_name },
      },
      actor: event.actor
        ? {
            uid: event.actor.user?.uid ?? null,
            name: event.actor.user?.name ?? null,
            email: event.actor.user?.email_addr ?? null,
            sessionUid: event.actor.session?.uid ?? null,
            appName: event.actor.app_name ?? null,
          }
        : null,
      target: {
        user: event.user ? userFacts(event.user) : null,
        group: event.group ? { uid: event.group.uid ?? null, name: event.group.name ?? null } : null,
        resources: (event.resources ?? []).map((resource) => ({ uid: resource.uid ?? null, name: resource.name ?? null, type: resource.type ?? null })),
      },
      api: event.api ? { operation: event.api.operation, service: event.api.service?.name ?? null, requestUid: event.api.request?.uid ?? null } : null,
      srcEndpoint: event.src_endpoint ? { ip: event.src_endpoint.ip ?? null, hostname: event.src_endpoint.hostname ?? null } : null,
    },
  };
}

function userFacts(user: OcsfUser): Json {
  return { uid: user.uid ?? null, name: user.name ?? null, email: user.email_addr ?? null };
}

function targetKeys(event: OcsfEvent): string[] {
  const keys = new Set<string>();
  for (const key of [event.user?.uid, event.user?.name, event.user?.email_addr]) if (key) keys.add(key);
  for (const resource of event.resources ?? []) {
    if (resource.uid) keys.add(resource.uid);
    if (resource.name) keys.add(resource.name);
  }
  return [...keys];
}

function userLabel(user: OcsfUser | undefined): string | undefined {
  return user?.name ?? user?.email_addr ?? user?.uid;
}

/**
 * Builds the one-line summary, such as
 * `Account Change / Disable: alice by admin@example.com (Success, Okta)`.
 */
function summarise(event: OcsfEvent, ocsfClass: OcsfClass, activity: string): string {
  const parts: string[] = [];
  if (event.api) parts.push(event.api.operation);

  const subject = userLabel(event.user) ?? firstResource(event);
  if (subject) parts.push(event.api ? `on ${subject}` : subject);
  if (event.group) {
    const group = event.group.name ?? event.group.uid ?? "(unnamed)";
    parts.push(`${groupPreposition(ocsfClass, event.activity_id)} group ${group}`);
  }

  const actor = userLabel(event.actor?.user) ?? event.actor?.app_name;
  if (actor) parts.push(`by ${actor}`);
  const source = event.src_endpoint?.ip ?? event.src_endpoint?.hostname;
  if (source) parts.push(`from ${source}`);

  const context = [event.status_id ? OCSF_STATUSES[event.status_id] : undefined, event.metadata.product.name ?? event.metadata.product.vendor_name].filter(Boolean);
  const line = `${ocsfClass.name} / ${activity}: ${parts.join(" ") || "(no subject)"} (${context.join(", ")})`;
  return toSummaryLine(line);
}

/** Returns "to" for a Group Management Add User, "from" for Remove User, else "in". */
function groupPreposition(ocsfClass: OcsfClass, activityId: number): string {
  if (ocsfClass.uid !== 3006) return "in";
  if (activityId === 3) return "to";
  if (activityId === 4) return "from";
  return "in";
}

function firstResource(event: OcsfEvent): string | undefined {
  const resource = event.resources?.[0];
  return resource?.name ?? resource?.uid;
}

// C0 and C1 controls, line and paragraph separators, and the Unicode bidirectional overrides
// and isolates. A summary is one displayed line, and a bidi override inside a name sent by a
// domain could make the line display in another order than its characters.
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Replaces line breaks, controls and bidi overrides with spaces and cuts at MAX_SUMMARY_LENGTH code points. */
export function toSummaryLine(text: string): string {
  const codePoints = Array.from(text.replace(UNSAFE_IN_LINE, " "));
  if (codePoints.length <= MAX_SUMMARY_LENGTH) return codePoints.join("");
  return `${codePoints.slice(0, MAX_SUMMARY_LENGTH - 1).join("")}…`;
}
