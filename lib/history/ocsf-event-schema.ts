import { z } from "zod";
import { ACTION_KINDS } from "@/lib/actions/catalogue";
import { ACTION_STATES } from "./schemas";

/*
 * The OCSF 1.1.0 attributes the OCSF export writes for one action, as a strict zod schema:
 * the tests parse every exported line with it, so an attribute added to the export without
 * being added here fails them. Class rules follow the OCSF schema: Account Change (3001)
 * requires `user`, API Activity (6003) requires `actor`, `api` and `src_endpoint`, and every
 * class requires `type_uid = class_uid * 100 + activity_id`.
 */

export const OCSF_EXPORT_VERSION = "1.1.0" as const;

const ZText = z.string().min(1);

const ZOcsfUser = z.object({ uid: ZText, name: ZText.optional(), email_addr: ZText.optional() }).strict();

const ZOcsfEndpoint = z.object({ svc_name: ZText }).strict();

const ZUnmappedDecision = z
  .object({
    approver_email: ZText,
    approver_name: ZText,
    decision: z.enum(["approve", "reject"]),
    reason: z.string(),
    decided_at: z.iso.datetime(),
  })
  .strict();

/** Cordon's fields that OCSF has no attribute for, kept under `unmapped` as OCSF prescribes. */
const ZUnmapped = z
  .object({
    cordon_state: z.enum(ACTION_STATES),
    cordon_kind: z.enum(ACTION_KINDS),
    risk: z.enum(["low", "medium", "high", "critical"]),
    reversible: z.boolean(),
    domain: ZText,
    domain_kind: ZText,
    target_resource: z.string().nullable(),
    target_name_flags: z.array(z.string()),
    incident: z.object({ id: z.uuid(), external_id: ZText, title: z.string(), severity: ZText }).strict(),
    requested_by_type: z.enum(["person", "workload", "system", "domain"]),
    required_approvals: z.number().int().min(0),
    decisions: z.array(ZUnmappedDecision),
    justification: z.string(),
    parameters: z.unknown(),
    proposed_at: z.iso.datetime(),
  })
  .strict();

const base = {
  category_name: ZText,
  class_name: ZText,
  activity_id: z.number().int(),
  activity_name: ZText,
  type_uid: z.number().int(),
  type_name: ZText,
  /** Epoch milliseconds of the action's last state change. */
  time: z.number().int().positive(),
  severity_id: z.number().int().min(1).max(5),
  severity: z.enum(["Low", "Medium", "High", "Critical"]),
  status_id: z.union([z.literal(1), z.literal(2), z.literal(99)]),
  status: ZText,
  status_detail: ZText.optional(),
  message: ZText,
  metadata: z
    .object({
      uid: z.uuid(),
      version: z.literal(OCSF_EXPORT_VERSION),
      product: z.object({ name: z.literal("Cordon"), vendor_name: z.literal("Cordon") }).strict(),
      /** The incident id, shared by every action of one incident. */
      correlation_uid: z.uuid(),
      event_code: z.enum(ACTION_KINDS),
    })
    .strict(),
  actor: z.object({ user: ZOcsfUser, app_name: ZText.optional() }).strict(),
  src_endpoint: ZOcsfEndpoint,
  dst_endpoint: ZOcsfEndpoint,
  unmapped: ZUnmapped,
};

const ZAccountChange = z
  .object({
    ...base,
    class_uid: z.literal(3001),
    category_uid: z.literal(3),
    /** The account the action changes. */
    user: ZOcsfUser,
  })
  .strict();

const ZApiActivity = z
  .object({
    ...base,
    class_uid: z.literal(6003),
    category_uid: z.literal(6),
    api: z.object({ operation: z.enum(ACTION_KINDS), service: z.object({ name: ZText }).strict() }).strict(),
    resources: z.array(z.object({ uid: ZText, name: ZText.optional(), type: ZText }).strict()).min(1),
  })
  .strict();

/** One line of the OCSF NDJSON export. */
export const ZOcsfActionEvent = z.discriminatedUnion("class_uid", [ZAccountChange, ZApiActivity]).refine((event) => event.type_uid === event.class_uid * 100 + event.activity_id, {
  message: "type_uid must be class_uid * 100 + activity_id",
  path: ["type_uid"],
});
export type OcsfActionEvent = z.infer<typeof ZOcsfActionEvent>;
