/**
 * The governance around the policy, as policy data: who declares and contains incidents, and what
 * the containment of each kind of principal does (seed 000 七, seed 003 四(五)). Enforced by
 * schema/governance, shown in docs/policy.md.
 */
import type { Role } from './vocabulary';

export const INCIDENTS = {
  /** Roles that declare, contain, export and close incidents (never about themselves). */
  handledBy: ['auditor', 'admin'] as readonly Role[],
  containment: {
    STAFF: 'the member is deactivated (every token refused from the next request on, none issued until reactivated) and their clear-access grants in force are revoked',
    PARTNER: 'the partner is deactivated and every token of it revoked',
    TOKEN: 'the partner token is revoked',
  },
  /** Complaint categories that open an incident for triage when filed. */
  triageCategories: ['PRIVACY'] as readonly string[],
} as const;

export const INCIDENT_OPERATIONS = [
  'Query.incidents', 'Query.incidentNotificationList',
  'Mutation.declareIncident', 'Mutation.containIncident', 'Mutation.recordIncidentNotified', 'Mutation.closeIncident',
] as const;

export const INCIDENT_WRITES = {
  declareIncident: { fields: ['principalKind', 'principal', 'from', 'to', 'summary'] },
  containIncident: { fields: ['principalKind', 'principal', 'from', 'to', 'summary'] },
  recordIncidentNotified: { fields: [] },
  closeIncident: { fields: [] },
} as const;

/**
 * Partners (seed 000 二(三)2, 二(四)): assessed and bound by an agreement before any token, reviewed
 * periodically, cut off at once on termination. The verifier refuses a partner's tokens without an
 * approved agreement (PARTNER_NO_AGREEMENT) and past its review date plus the grace period
 * (PARTNER_REVIEW_OVERDUE).
 */
export const PARTNER_GOVERNANCE = {
  /** Who records an agreement (reference, risk assessment date, next review date) and terminates a partner. */
  recordedBy: ['admin'] as readonly Role[],
  /** Who approves it: a member holding this designation, never the one who recorded it. */
  approvedBy: 'INFORMATION_MANAGEMENT_HEAD' as const,
  /** Days a partner keeps working past its next review date (the review is late, not yet a breach). */
  graceDays: 30,
  /** Longest time between risk assessment and next review. */
  maxReviewIntervalDays: 366,
  termination: 'the partner is deactivated for good (no reactivation), every token revoked and every consent of its customers ended at once',
} as const;

export const PARTNER_GOVERNANCE_ADMIN_OPERATIONS = ['Query.partnerAgreements', 'Mutation.recordPartnerAgreement', 'Mutation.terminatePartner', 'Query.partnerSupervisionReport'] as const;
export const PARTNER_GOVERNANCE_APPROVER_OPERATIONS = ['Query.partnerAgreements', 'Mutation.approvePartnerAgreement', 'Mutation.rejectPartnerAgreement'] as const;
export const PARTNER_GOVERNANCE_ADMIN_WRITES = {
  recordPartnerAgreement: { fields: ['partnerId', 'agreementRef', 'riskAssessedOn', 'nextReviewOn'] },
  terminatePartner: { fields: [] },
} as const;
export const PARTNER_GOVERNANCE_APPROVER_WRITES = {
  approvePartnerAgreement: { fields: [] },
  rejectPartnerAgreement: { fields: [] },
} as const;

/**
 * Periodic access review (seed 003 二(二)2, 四(四)1): per staff member and partner, what it holds and
 * what it did; a reviewer decides per line, and the decision is carried out through the directory.
 */
export const ACCESS_REVIEW = {
  /** Who reads the review. */
  readBy: ['auditor', 'admin'] as readonly Role[],
  /** Who decides (and so carries out) keep / revoke / change: the directory's administrators, never about themselves. */
  decidedBy: ['admin'] as readonly Role[],
  /** The window the figures cover, back from now. */
  periodDays: 90,
  /** Members and partners not seen in the register for this long are listed first. */
  unusedDays: 60,
  decisions: {
    KEEP: 'recorded; nothing changes',
    REVOKE: 'staff: deactivated (every token refused) and clear-access grants revoked; partner: deactivated and every token revoked',
    CHANGE: 'staff: the directory role changed (designations a new role cannot hold dropped), every token refused until a new one is issued, grants revoked; partner: every token revoked, to be reissued with fewer scopes',
  },
} as const;

export const ACCESS_REVIEW_READ_OPERATIONS = ['Query.accessReview', 'Query.accessReviewDecisions'] as const;
export const ACCESS_REVIEW_DECIDE_OPERATIONS = ['Mutation.decideAccessReview'] as const;
export const ACCESS_REVIEW_WRITES = { decideAccessReview: { fields: ['principalKind', 'principal', 'decision', 'newRole', 'note'] } } as const;

/**
 * Alerts (seed 003 四(五), seed 000 七): rules over the access register run on a schedule in the
 * server (one process at a time: an advisory lock), stored once per rule and subject, read by
 * auditors (`alerts`) and posted to ALERT_WEBHOOK_URL with retries.
 */
export const ALERT_RULES = {
  CLEAR_ANOMALY: { severity: 'WARNING', what: 'a principal-day of clear values above 3× its baseline (the register report’s rule)' },
  MANY_PROBES: { severity: 'WARNING', threshold: 20, windowMinutes: 60, what: 'lookups, filters or uniqueness checks on sensitive fields: this many in the window' },
  MANY_REFUSALS: { severity: 'WARNING', threshold: 20, windowMinutes: 60, what: 'requests refused by the policy, limits, budgets or authentication: this many in the window' },
  CLEAR_OFF_HOURS: { severity: 'INFO', workingHours: { from: 8, to: 20 }, timeZone: 'Asia/Shanghai', what: 'clear values read outside working hours (China time), per principal and day' },
  GRANT_MANY_CUSTOMERS: { severity: 'CRITICAL', threshold: 5, what: 'values released by clear-access grants for this many distinct customers to one manager in a day' },
  EMERGENCY_GRANT: { severity: 'CRITICAL', what: 'an emergency clear-access grant was opened (raised by the grant itself, to every approver)' },
} as const;

export const ALERT_DELIVERY = {
  /** Attempts per alert before it is left undelivered (the `alerts` query still shows it). */
  maxAttempts: 8,
  /** Seconds before the first retry; doubled each time. */
  firstRetrySeconds: 30,
  timeoutMs: 5000,
} as const;
