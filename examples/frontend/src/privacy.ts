/**
 * Reading `extensions.privacy`: what the server did to each value (CLEAR, MASK with a strategy,
 * REMOVE) and why, per response path with list indices left out. Self-contained: copy it into a UI.
 */

export type Decision = 'CLEAR' | 'MASK' | 'REMOVE';

/** One entry of `extensions.privacy.fields`; a path can have several (3 own customers clear, 17 masked). */
export interface PrivacyField {
  /** Response path without list indices: `customers.edges.node.phone` (aliases as sent). */
  path: string;
  /** Schema coordinate: `Customer.phone`. */
  field: string;
  decision: Decision;
  /** With MASK: `phone`, `birthYear`, `moneyBucket`, … */
  strategy?: string;
  reason: string;
  /** With reason GRANT: the clear-access grant that released the values. */
  grantId?: string;
  /** Values at this path with this decision and reason. */
  count: number;
}

export interface PrivacyProbe {
  path: string;
  argument: string;
  field: string;
  rows: number;
  decision: 'CLEAR' | 'MASK';
}

export interface BudgetFigures {
  clear: number;
  masked: number;
  probes: number;
}

export interface PrivacyBudget {
  day: string;
  resetsAt: string;
  daily: BudgetFigures;
  thisRequest: BudgetFigures;
  usedToday: BudgetFigures;
  leftToday: BudgetFigures;
}

export interface PrivacyExtension {
  policyVersion: string;
  role: string;
  purpose: string | null;
  exposure: { volume: number; clearVolume: number; breadth: number; clearBudget: number; clearBreadth: number; hardLimit: number };
  fields: PrivacyField[];
  probes?: PrivacyProbe[];
  /** The daily budget after this request (when it could return sensitive values); days follow China time. */
  budget?: PrivacyBudget;
}

/** A GraphQL response as this API sends it: errors always carry `extensions.code`. */
export interface ApiResponse<TData> {
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
  extensions?: { privacy?: PrivacyExtension; [key: string]: unknown };
}

/** Why, in words (the server's reason codes; docs/policy.md lists them too). */
export const REASON_TEXT: Record<string, string> = {
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
};

/** How a masked value looks, in words (the server's mask strategies). */
export const STRATEGY_TEXT: Record<string, string> = {
  generalised: 'a typed generalisation',
  idNumber: 'first 3 and last 4 characters shown',
  card: 'first 6 and last 4 digits shown',
  cardLast4: 'last 4 digits shown',
  phone: 'first 3 and last 4 digits shown',
  email: 'first letter and domain shown',
  name: 'surname only',
  address: 'province and city only',
  birthYear: 'year of birth only',
  moneyBucket: 'a range only',
  freeText: 'numbers inside the text masked',
};

export interface Explained extends PrivacyField {
  /** One sentence for a tooltip: "Masked (phone: first 3 and last 4 digits shown) because …". */
  sentence: string;
}

/** `['customers', 'edges', 3, 'node', 'phone']` or `customers.edges.3.node.phone` → `customers.edges.node.phone`. */
export function privacyPath(path: string | readonly (string | number)[]): string {
  const parts = typeof path === 'string' ? path.split('.') : path.map(String);
  return parts.filter((p) => !/^\d+$/.test(p)).join('.');
}

function explain(entry: PrivacyField): Explained {
  const why = REASON_TEXT[entry.reason] ?? entry.reason;
  const what =
    entry.decision === 'CLEAR' ? 'Shown in clear' : entry.decision === 'REMOVE' ? 'Removed' : `Masked (${entry.strategy ? (STRATEGY_TEXT[entry.strategy] ?? entry.strategy) : 'masked'})`;
  return { ...entry, sentence: `${what} because ${why}.` };
}

/** Every decision at a path, explained (several when rows differ); empty: not sensitive, served as stored. */
export function decisionsAt(response: ApiResponse<unknown>, path: string | readonly (string | number)[]): Explained[] {
  const wanted = privacyPath(path);
  return (response.extensions?.privacy?.fields ?? []).filter((f) => f.path === wanted).map(explain);
}

const SEVERITY: Record<Decision, number> = { CLEAR: 0, MASK: 1, REMOVE: 2 };

/** The strictest decision at a path (REMOVE over MASK over CLEAR), or null where nothing was decided. */
export function decisionAt(response: ApiResponse<unknown>, path: string | readonly (string | number)[]): Explained | null {
  const all = decisionsAt(response, path);
  return all.length ? all.reduce((a, b) => (SEVERITY[b.decision] > SEVERITY[a.decision] ? b : a)) : null;
}

/** What a UI shows for one value. */
export type Rendered =
  | { kind: 'clear'; text: string }
  | { kind: 'masked'; text: string; note: string }
  | { kind: 'generalised'; text: string; note: string }
  | { kind: 'removed'; text: string; note: string }
  | { kind: 'empty'; text: string };

/** `{ min: "100000", max: "500000" }` → `100,000–500,000`; no max: `500,000 or more`. */
export function formatRange(range: { min: string; max: string | null }): string {
  const n = (v: string) => Number(v).toLocaleString('en-US');
  return range.max === null ? `${n(range.min)} or more` : `${n(range.min)}–${n(range.max)}`;
}

/**
 * One value as a UI shows it. `generalisation` is the typed stand-in the schema serves where a
 * masked value would not fit its type (a birth date's `birthYear`, an income's `annualIncomeRange`).
 */
export function renderValue(
  response: ApiResponse<unknown>,
  path: string | readonly (string | number)[],
  value: string | number | null | undefined,
  generalisation?: string | null,
): Rendered {
  const decisions = decisionsAt(response, path);
  const masked = decisions.find((d) => d.decision === 'MASK');
  const removed = decisions.find((d) => d.decision === 'REMOVE');
  if (value === null || value === undefined) {
    // A type-changing mask: the field is null, its generalisation carries what may be seen.
    if (masked && generalisation != null) return { kind: 'generalised', text: generalisation, note: masked.sentence };
    if (removed) return { kind: 'removed', text: '—', note: removed.sentence };
    if (masked) return { kind: 'masked', text: '—', note: masked.sentence };
    return { kind: 'empty', text: '' };
  }
  // A non-null value under MASK is the masked string itself (`138****5678`); where rows differ, say so.
  if (masked) return { kind: 'masked', text: String(value), note: decisions.length > 1 ? `${masked.sentence} (some rows are clear)` : masked.sentence };
  return { kind: 'clear', text: String(value) };
}
