/**
 * Event type names of Cordon's own audit events, one per lifecycle step, plus `domain.event`
 * for events ingested from identity domains. Names are `<subject>.<past-tense verb>`.
 */
export const AuditEventType = {
  actionProposed: "action.proposed",
  policyDecided: "policy.decided",
  actionPending: "action.pending",
  approvalRecorded: "approval.recorded",
  actionApproved: "action.approved",
  actionRejected: "action.rejected",
  actionCancelled: "action.cancelled",
  actionExpired: "action.expired",
  actionDenied: "action.denied",
  grantMinted: "grant.minted",
  grantRedeemed: "grant.redeemed",
  executionStarted: "execution.started",
  executionApplied: "execution.applied",
  executionVerified: "execution.verified",
  executionFailed: "execution.failed",
  actionDrifted: "action.drifted",
  actionSucceeded: "action.succeeded",
  actionFailed: "action.failed",
  actionReverted: "action.reverted",
  actionExecuting: "action.executing",
  incidentCreated: "incident.created",
  incidentUpdated: "incident.updated",
  clientFloodFlagged: "client.flood_flagged",
  personLockedOut: "person.locked_out",
  workloadClientCreated: "workload_client.created",
  workloadClientDisabled: "workload_client.disabled",
  workloadClientKeyRotated: "workload_client.key_rotated",
  userCreated: "user.created",
  userDisabled: "user.disabled",
  userOidcLinked: "user.oidc_linked",
  userRolesChanged: "user.roles_changed",
  personalAccessTokenCreated: "personal_access_token.created",
  personalAccessTokenRevoked: "personal_access_token.revoked",
  domainCreated: "domain.created",
  credentialDelivered: "credential.delivered",
  credentialDiscarded: "credential.discarded",
  actionRevertSkipped: "action.revert_skipped",
  proposalAlreadyInEffect: "proposal.already_in_effect",
  domainEvent: "domain.event",
} as const;

export type AuditEventType = (typeof AuditEventType)[keyof typeof AuditEventType];

export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = Object.values(AuditEventType);

/**
 * Format every event type name must have: dot-separated lower-case words. Names outside
 * `AuditEventType` are accepted, so a new feature can add its events without a schema change.
 */
export const AUDIT_EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
