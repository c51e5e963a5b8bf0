/**
 * The scope vocabulary of partner tokens: each scope names the root fields and the fields it
 * opens. A partner token reaches only what its scopes open (and the partner role's rules still
 * decide masked or removed); its introspection shows nothing else. Connection plumbing
 * (edges, node, cursors, pageInfo, totalCount) and `me` come with any scope.
 */
export interface ScopeGrant {
  description: string;
  operations: readonly string[];
  /** Fields by type. */
  fields: Readonly<Record<string, readonly string[]>>;
}

export const SCOPES: Readonly<Record<string, ScopeGrant>> = {
  'customers:read': {
    description: 'consenting customers: id, kind, archive number, name (masked), tier, status, industry',
    operations: ['Query.customers', 'Query.customer'],
    fields: { Customer: ['id', 'kind', 'archiveNumber', 'name', 'tier', 'status', 'industry', 'createdAt'] },
  },
  'customers.contact:read': {
    description: 'phone and e-mail (masked) and contact persons of consenting customers',
    operations: [],
    fields: { Customer: ['phone', 'email', 'contacts'], Contact: ['id', 'name', 'position', 'phone', 'email', 'createdAt'] },
  },
  'customers.identity:read-masked': {
    description: 'ID number, birth date, gender and bank card of consenting customers, masked (card: last 4)',
    operations: [],
    fields: { Customer: ['idNumber', 'birthDate', 'birthYear', 'gender', 'bankCardNumber'] },
  },
  'transactions:read': {
    description: "consenting customers' transactions: amounts, dates, channels; account masked to the last 4",
    operations: ['Query.transactions', 'Query.transaction'],
    fields: {
      Customer: ['transactions'],
      Transaction: ['id', 'occurredAt', 'amount', 'currency', 'direction', 'channel', 'product', 'status', 'accountNumber', 'customer'],
    },
  },
  'complaints:read': {
    description: "consenting customers' complaints: category, status, dates (no texts)",
    operations: ['Query.complaints', 'Query.complaint'],
    fields: {
      Customer: ['complaints'],
      Complaint: ['id', 'channel', 'category', 'urgency', 'severity', 'status', 'receivedAt', 'dueAt', 'resolvedAt', 'closedAt', 'overdue', 'customer', 'timeline'],
      ComplaintEvent: ['id', 'occurredAt', 'status'],
    },
  },
  'complaints:write': {
    description: 'file a complaint on behalf of a consenting customer',
    operations: ['Mutation.fileComplaint'],
    fields: { Complaint: ['id', 'status', 'receivedAt', 'dueAt'] },
  },
};

export const SCOPE_NAMES = Object.keys(SCOPES);

const PLUMBING_TYPE = /(Connection|Edge)$/;
const ALWAYS = new Set(['Query.me', 'Viewer.sub', 'Viewer.role', 'Viewer.scopes', 'Viewer.partnerId', 'Viewer.expiresAt']);

export function unknownScopes(scopes: readonly string[]): string[] {
  return scopes.filter((s) => !(s in SCOPES));
}

/** Whether the scopes open a schema coordinate (`Customer.phone`, `Query.customers`). */
export function scopesAllow(scopes: readonly string[], coordinate: string): boolean {
  if (ALWAYS.has(coordinate)) return true;
  const [typeName, fieldName] = coordinate.split('.');
  if (PLUMBING_TYPE.test(typeName) || typeName === 'PageInfo') return true;
  return scopes.some((name) => {
    const grant = SCOPES[name];
    if (!grant) return false;
    if (typeName === 'Query' || typeName === 'Mutation') return grant.operations.includes(coordinate);
    return grant.fields[typeName]?.includes(fieldName) ?? false;
  });
}

/** The held scope that opens a data-bearing coordinate (its field group), or null for plumbing. */
export function fieldGroupOf(scopes: readonly string[], coordinate: string): string | null {
  if (scopesAllow([], coordinate)) return null;
  return scopes.find((name) => scopesAllow([name], coordinate)) ?? null;
}

/** The scopes that would open a coordinate (for the refusal message). */
export function scopesOpening(coordinate: string): string[] {
  return SCOPE_NAMES.filter((name) => scopesAllow([name], coordinate));
}
