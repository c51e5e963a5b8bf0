/**
 * The words the policy is written in: classification levels, decisions, conditions, purposes
 * and reason codes. Role files and the classification use only these.
 */
import type { MaskStrategy } from './masks';

/** Seed 002 levels; JR/T 0171-2020 C1–C3. */

/** The roles of the policy (a token's `role` claim; seed 001's staff roles, plus partners). */
export const ROLES = ['admin', 'manager', 'sales', 'service', 'analyst', 'auditor', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export const LEVELS = ['PUBLIC', 'INTERNAL', 'L1', 'L2', 'L3'] as const;
export type Level = (typeof LEVELS)[number];
export const SENSITIVE_LEVELS: readonly Level[] = ['L1', 'L2', 'L3'];

export interface FieldClass {
  level: Level;
  /** The field's default mask; absent when the value cannot be masked (an enum): then it is removed. */
  mask?: MaskStrategy;
  /** Names a person or account on its own: counts toward a record's breadth. */
  identifying?: boolean;
  /** Rows a plain (non-connection) list is assumed to hold when exposure is estimated. */
  listEstimate?: number;
  /**
   * A typed generalisation of another field of the type (`birthYear` of `birthDate`): served to
   * every role the source field is not removed for — clear, as it is the masked form, typed.
   */
  generalises?: string;
}

export type Decision = { kind: 'CLEAR' } | { kind: 'MASK'; strategy: MaskStrategy } | { kind: 'REMOVE' };
export type DecisionKind = Decision['kind'];

/**
 * Relationships decided per record, with batched lookups:
 * OWN_CUSTOMER — the record's customer has the caller as relationship manager;
 * ASSIGNED_COMPLAINT — the complaint (or the complaint of an event) is assigned to the caller;
 * OPEN_COMPLAINT_ASSIGNED — the record's customer has a complaint, not yet closed, assigned to the caller;
 * GRANT — a clear-access grant of the caller (approved or emergency, not expired or revoked) names the
 *   record's customer, this field, and the request's purpose (permissions/clear-access-grants.ts).
 */
export const RELATIONS = ['OWN_CUSTOMER', 'ASSIGNED_COMPLAINT', 'OPEN_COMPLAINT_ASSIGNED', 'GRANT'] as const;
export type Relation = (typeof RELATIONS)[number];

/**
 * Declared purposes of use (seed 002: a lookup must state its purpose). No marketing: seed 000
 * 二(三)3 forbids using customer information for commercial promotion in any form.
 */
export const PURPOSES = [
  'relationship_management',
  'complaint_handling',
  'identity_verification',
  'supervision',
  'statistics',
  'risk_analysis',
  'audit',
  'administration',
  'partner_service',
  'credit_assessment',
  // A restricted customer's data (erasure held back by a retention period) is read under this purpose only (permissions/erasure.ts).
  'legal_hold',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export type Condition = { relation: Relation } | { purpose: Purpose } | { all: Condition[] };

/** A field rule: a decision, or a choice on a condition. */
export type FieldRule = Decision | { when: Condition; then: FieldRule; otherwise: FieldRule };

export const clear: Decision = { kind: 'CLEAR' };
export const remove: Decision = { kind: 'REMOVE' };
export function mask(strategy: MaskStrategy): Decision {
  return { kind: 'MASK', strategy };
}
export function when(condition: Condition, then: FieldRule, otherwise: FieldRule): FieldRule {
  return { when: condition, then, otherwise };
}
export function relation(name: Relation): Condition {
  return { relation: name };
}
export function purpose(name: Purpose): Condition {
  return { purpose: name };
}
export function all(...conditions: Condition[]): Condition {
  return { all: conditions };
}

/** Why a value came out the way it did; the codes frontends and auditors see. */
export const REASONS = {
  ROLE_POLICY: 'the role’s rule for this field',
  OWN_CUSTOMER: 'the caller is the customer’s relationship manager',
  NOT_OWN_CUSTOMER: 'the caller is not the customer’s relationship manager',
  ASSIGNED_COMPLAINT: 'the complaint is assigned to the caller',
  NOT_ASSIGNED_COMPLAINT: 'the complaint is not assigned to the caller',
  OPEN_COMPLAINT_ASSIGNED: 'the customer has an open complaint assigned to the caller',
  NOT_OPEN_COMPLAINT_ASSIGNED: 'the customer has no open complaint assigned to the caller',
  GRANT: 'a clear-access grant of the caller for this customer, field and purpose is in force (the register names the grant)',
  NOT_GRANT: 'no clear-access grant of the caller for this customer, field and purpose is in force',
  PURPOSE: 'the declared purpose allows it',
  NOT_PURPOSE: 'the declared purpose does not allow it',
  EXPOSURE_CLEAR_BUDGET: 'the request asks for more clear values than the role’s clear budget',
  COMBINATION: 'too many identifying fields of one record together',
  BREADTH_TODAY: 'as many identifying fields of this customer as one request may show clear were already shown to the caller today',
  NOT_IN_POLICY: 'deny by default: the policy does not grant this field to the role',
  NOT_PLANNED: 'deny by default: the field was not in the operation’s plan',
  PROBE: 'a lookup, filter or uniqueness check on the field: a read of it for every row it can match',
  RESTRICTED: 'the customer is restricted (erasure approved, a legal retention period still runs): read only under the legal_hold purpose',
  ERASED: 'the customer is erased: nothing of them is served',
} as const;
export type Reason = keyof typeof REASONS;

/** What one role may do: the unit a data-protection officer reviews. */
export interface RolePolicy {
  description: string;
  purposes: { allowed: readonly Purpose[]; default: Purpose };
  /** Levels readable clear unless `fields` says otherwise; every other field is removed. */
  clearLevels: readonly Level[];
  /** Root fields (queries and mutations) the role may call. */
  operations: readonly string[];
  /** Decisions for sensitive fields, by coordinate (`Customer.phone`). */
  fields: Readonly<Record<string, FieldRule>>;
  /** Exact-match lookups by a sensitive field the role may run although it cannot read it clear. */
  lookups: readonly string[];
  /** Mutation inputs the role may set: input field names per mutation, and a record condition. */
  writes: Readonly<Record<string, { fields: readonly string[]; condition?: Relation }>>;
  exposure: {
    /** Clear sensitive values per request before clear fields are downgraded to masked. */
    clearBudget: number;
    /** Identifying fields of one record that may be clear together. */
    clearBreadth: number;
    /** Sensitive values (clear + masked) per request; above it the request is refused. */
    hardLimit: number;
  };
  /**
   * Budgets across requests and processes (per token for partners, per principal for staff):
   * so that many small queries cannot add up to a bulk export.
   */
  budgets: {
    requestsPerMinute: number;
    /**
     * Per day (China time): sensitive values, clear and masked counted separately, and probes —
     * lookups, filters and uniqueness checks on sensitive fields, each a read of the field.
     */
    daily: { clear: number; masked: number; probes: number };
  };
  /**
   * Shape limits per operation, checked by the plan before any SQL (`QUERY_LIMIT`): nesting depth,
   * aliases, directives, and cost = every value the operation can return (fields × rows).
   */
  limits: {
    depth: number;
    aliases: number;
    directives: number;
    cost: number;
    /** Largest `first` of any list (BAD_USER_INPUT naming `first` above it): bulk pages for de-identified roles only. */
    pageSize: number;
    /** Probes per operation (lookups, filters, uniqueness checks on sensitive fields; every alias counts). */
    probes: number;
  };
  /** Token scopes narrow the role further (partners): a field no held scope opens is refused. */
  scoped?: boolean;
  /**
   * Non-sensitive fields the role may not read although its clear levels would allow them (an
   * analyst and the archive number): refused like any field not granted, and so never filtered by.
   */
  withheld?: readonly string[];
  /**
   * Customer ids are served as keyed pseudonyms, stable for one caller and purpose (analysts:
   * records stay countable and joinable within a study, not traceable to a customer).
   */
  pseudonymousIds?: boolean;
}
