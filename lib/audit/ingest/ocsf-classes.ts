/**
 * The OCSF 1.x event classes Cordon ingests, with the enum captions it shows on the timeline.
 * Class, category and activity ids are those of OCSF 1.1.0, where
 * `type_uid = class_uid * 100 + activity_id`.
 */
export interface OcsfClass {
  uid: number;
  /** OCSF caption, such as `Account Change`. */
  name: string;
  /** The caption in snake case, used in the audit event type `domain.<key>`. */
  key: string;
  categoryUid: number;
  activities: Readonly<Record<number, string>>;
}

const IAM_CATEGORY = 3;
const APPLICATION_CATEGORY = 6;

export const OCSF_CLASSES: Readonly<Record<number, OcsfClass>> = {
  3001: {
    uid: 3001,
    name: "Account Change",
    key: "account_change",
    categoryUid: IAM_CATEGORY,
    activities: {
      0: "Unknown",
      1: "Create",
      2: "Enable",
      3: "Password Change",
      4: "Password Reset",
      5: "Disable",
      6: "Delete",
      7: "Attach Policy",
      8: "Detach Policy",
      9: "Lock",
      10: "MFA Factor Enable",
      11: "MFA Factor Disable",
      99: "Other",
    },
  },
  3002: {
    uid: 3002,
    name: "Authentication",
    key: "authentication",
    categoryUid: IAM_CATEGORY,
    activities: {
      0: "Unknown",
      1: "Logon",
      2: "Logoff",
      3: "Authentication Ticket",
      4: "Service Ticket Request",
      5: "Service Ticket Renew",
      6: "Preauth",
      99: "Other",
    },
  },
  3006: {
    uid: 3006,
    name: "Group Management",
    key: "group_management",
    categoryUid: IAM_CATEGORY,
    activities: {
      0: "Unknown",
      1: "Assign Privileges",
      2: "Revoke Privileges",
      3: "Add User",
      4: "Remove User",
      5: "Delete",
      6: "Create",
      99: "Other",
    },
  },
  6003: {
    uid: 6003,
    name: "API Activity",
    key: "api_activity",
    categoryUid: APPLICATION_CATEGORY,
    activities: { 0: "Unknown", 1: "Create", 2: "Read", 3: "Update", 4: "Delete", 99: "Other" },
  },
};

export const SUPPORTED_CLASS_UIDS: readonly number[] = Object.keys(OCSF_CLASSES).map(Number);

export const OCSF_SEVERITIES: Readonly<Record<number, string>> = {
  0: "Unknown",
  1: "Informational",
  2: "Low",
  3: "Medium",
  4: "High",
  5: "Critical",
  6: "Fatal",
  99: "Other",
};

export const OCSF_STATUSES: Readonly<Record<number, string>> = { 0: "Unknown", 1: "Success", 2: "Failure", 99: "Other" };

/**
 * Returns the caption of an activity id. Ids this table does not list (added by a later OCSF
 * minor version) fall back to the event's own `activity_name`, then to `Activity <id>`.
 */
export function activityName(ocsfClass: OcsfClass, activityId: number, ownName: string | undefined): string {
  return ocsfClass.activities[activityId] ?? ownName ?? `Activity ${activityId}`;
}
