/**
 * The governance around the policy, as policy data: who declares and contains incidents, and what
 * the containment of each kind of principal does (seed 000 七, seed 003 四(五)). Enforced by
 * schema/governance, shown in docs/policy.md.
 */
import type { Role } from '../src/auth/principal';

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
