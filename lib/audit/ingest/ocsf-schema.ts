import { z } from "zod";
import { OCSF_CLASSES, OCSF_SEVERITIES, OCSF_STATUSES, SUPPORTED_CLASS_UIDS } from "./ocsf-classes";

/*
 * zod schemas for the OCSF 1.x attributes Cordon reads. OCSF defines many more attributes and
 * profiles than these, so objects are loose: members not listed here are not checked here, and the
 * ingested event is stored whole with them. The listed attributes are checked for their OCSF type.
 */

// PostgreSQL text and jsonb cannot store U+0000, and an unpaired surrogate does not survive the
// UTF-8 round trip, so such a value would change between hashing and storage.
export { UNSTORABLE_TEXT } from "@/lib/util/text";
import { UNSTORABLE_TEXT } from "@/lib/util/text";

/** Maximum length of an OCSF string Cordon reads. The audit actor id allows the same length. */
export const MAX_OCSF_TEXT = 1000;
/** Maximum length of `metadata.correlation_uid`, which becomes the audit event's correlation id (at most 200 characters). */
export const MAX_CORRELATION_UID = 200;
/** Maximum number of entries in `resources`. An event with more is rejected. */
export const MAX_OCSF_RESOURCES = 100;

const EARLIEST_TIME = Date.parse("0001-01-01T00:00:00.000Z");
const LATEST_TIME = Date.parse("9999-12-31T23:59:59.999Z");

const ZRequiredText = (max = MAX_OCSF_TEXT) =>
  z
    .string()
    .min(1, "must not be empty")
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !UNSTORABLE_TEXT.test(text), "contains U+0000 or an unpaired surrogate, which cannot be stored");

/** An optional string. Producers often send "" for an attribute they do not have, so "" reads as absent. */
const ZOptionalText = (max = MAX_OCSF_TEXT) => z.preprocess((value) => (value === "" ? undefined : value), ZRequiredText(max).optional());

const ZEnumId = (captions: Readonly<Record<number, string>>, name: string) =>
  z
    .number()
    .int()
    .refine((id) => id in captions, `is not an OCSF ${name} id (${Object.keys(captions).join(", ")})`);

export const ZOcsfUser = z.looseObject({
  uid: ZOptionalText(),
  name: ZOptionalText(),
  email_addr: ZOptionalText(320),
});

export const ZOcsfActor = z.looseObject({
  user: ZOcsfUser.optional(),
  session: z.looseObject({ uid: ZOptionalText() }).optional(),
  app_name: ZOptionalText(),
});

export const ZOcsfMetadata = z.looseObject({
  /** The event's unique id at its producer; Cordon deduplicates on it within a domain. */
  uid: ZOptionalText(),
  version: ZRequiredText(32).regex(/^1\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, "must be an OCSF 1.x schema version, such as 1.1.0"),
  product: z.looseObject({
    name: ZOptionalText(200),
    vendor_name: ZRequiredText(200),
  }),
  correlation_uid: ZOptionalText(MAX_CORRELATION_UID),
});

export const ZOcsfEndpoint = z.looseObject({
  ip: z.preprocess((value) => (value === "" ? undefined : value), z.union([z.ipv4(), z.ipv6()], "must be an IPv4 or IPv6 address").optional()),
  hostname: ZOptionalText(),
});

export const ZOcsfApi = z.looseObject({
  operation: ZRequiredText(),
  service: z.looseObject({ name: ZOptionalText() }).optional(),
  request: z.looseObject({ uid: ZOptionalText() }).optional(),
});

export const ZOcsfGroup = z.looseObject({
  uid: ZOptionalText(),
  name: ZOptionalText(),
});

export const ZOcsfResource = z.looseObject({
  uid: ZOptionalText(),
  name: ZOptionalText(),
  type: ZOptionalText(),
});

/**
 * The objects Cordon needs to summarise and correlate each class. OCSF 1.x marks each of them
 * required for its class.
 */
const REQUIRED_OBJECTS: Readonly<Record<number, readonly ("user" | "group" | "api")[]>> = {
  3001: ["user"],
  3002: ["user"],
  3006: ["group"],
  6003: ["api"],
};

export const ZOcsfEvent = z
  .looseObject({
    class_uid: z.number().int(),
    category_uid: z.number().int(),
    activity_id: z.number().int().min(0).max(99),
    activity_name: ZOptionalText(200),
    type_uid: z.number().int(),
    /** Epoch milliseconds (OCSF timestamp_t). */
    time: z.number().int().min(EARLIEST_TIME, "must be at or after the year 0001").max(LATEST_TIME, "must be before the year 10000"),
    severity_id: ZEnumId(OCSF_SEVERITIES, "severity"),
    status_id: ZEnumId(OCSF_STATUSES, "status").optional(),
    message: ZOptionalText(4000),
    metadata: ZOcsfMetadata,
    actor: ZOcsfActor.optional(),
    user: ZOcsfUser.optional(),
    group: ZOcsfGroup.optional(),
    src_endpoint: ZOcsfEndpoint.optional(),
    api: ZOcsfApi.optional(),
    resources: z.array(ZOcsfResource).max(MAX_OCSF_RESOURCES, `must list at most ${MAX_OCSF_RESOURCES} resources`).optional(),
  })
  .superRefine((event, context) => {
    const ocsfClass = OCSF_CLASSES[event.class_uid];
    if (!ocsfClass) {
      const supported = SUPPORTED_CLASS_UIDS.map((uid) => `${uid} ${OCSF_CLASSES[uid]!.name}`).join(", ");
      context.addIssue({ code: "custom", path: ["class_uid"], message: `class ${event.class_uid} is not supported; Cordon ingests ${supported}` });
      return;
    }
    if (event.category_uid !== ocsfClass.categoryUid) {
      context.addIssue({ code: "custom", path: ["category_uid"], message: `must be ${ocsfClass.categoryUid} for class ${ocsfClass.uid} ${ocsfClass.name}` });
    }
    const typeUid = ocsfClass.uid * 100 + event.activity_id;
    if (event.type_uid !== typeUid) {
      context.addIssue({ code: "custom", path: ["type_uid"], message: `must be class_uid * 100 + activity_id, which is ${typeUid}` });
    }
    for (const member of REQUIRED_OBJECTS[ocsfClass.uid] ?? []) {
      if (event[member] === undefined) context.addIssue({ code: "custom", path: [member], message: `is required for class ${ocsfClass.uid} ${ocsfClass.name}` });
    }
  });

export type OcsfEvent = z.infer<typeof ZOcsfEvent>;
export type OcsfUser = z.infer<typeof ZOcsfUser>;
