/**
 * Every field of the schema, classified (seed 002 levels, JR/T 0171-2020, PCI DSS). A test
 * fails when the schema has a field this file does not name; a field missing here is removed
 * for every role (deny by default).
 */
import type { FieldClass } from './vocabulary';

const PUBLIC: FieldClass = { level: 'PUBLIC' };
const INTERNAL: FieldClass = { level: 'INTERNAL' };

const CONNECTION = { edges: PUBLIC, pageInfo: PUBLIC, totalCount: INTERNAL };
const EDGE = { cursor: PUBLIC, node: PUBLIC };

export const CLASSIFICATION: Readonly<Record<string, Readonly<Record<string, FieldClass>>>> = {
  Query: {
    me: PUBLIC,
    customer: INTERNAL,
    customers: INTERNAL,
    transaction: INTERNAL,
    transactions: INTERNAL,
    complaint: INTERNAL,
    complaints: INTERNAL,
    auditLog: INTERNAL,
    customerAccessHistory: INTERNAL,
    changeHistory: INTERNAL,
    accessReport: INTERNAL,
  },
  Mutation: {
    createCustomer: INTERNAL,
    updateCustomer: INTERNAL,
    addContact: INTERNAL,
    updateContact: INTERNAL,
    removeContact: INTERNAL,
    recordTransaction: INTERNAL,
    fileComplaint: INTERNAL,
  },
  Customer: {
    id: INTERNAL,
    kind: INTERNAL,
    archiveNumber: INTERNAL,
    name: { level: 'L1', mask: 'name', identifying: true },
    idNumber: { level: 'L2', mask: 'idNumber', identifying: true },
    birthDate: { level: 'L2', mask: 'birthYear' },
    gender: INTERNAL,
    phone: { level: 'L2', mask: 'phone', identifying: true },
    email: { level: 'L2', mask: 'email', identifying: true },
    address: { level: 'L2', mask: 'address', identifying: true },
    employer: { level: 'L1', mask: 'name' },
    annualIncome: { level: 'L2', mask: 'moneyBucket' },
    totalAssets: { level: 'L2', mask: 'moneyBucket' },
    bankCardNumber: { level: 'L3', mask: 'card', identifying: true },
    // Registered company data, public in the national enterprise credit system.
    creditCode: INTERNAL,
    legalRepresentative: { level: 'L1', mask: 'name', identifying: true },
    businessScope: INTERNAL,
    industry: INTERNAL,
    tier: INTERNAL,
    creditRating: { level: 'L2' },
    status: INTERNAL,
    createdAt: INTERNAL,
    updatedAt: INTERNAL,
    relationshipManager: INTERNAL,
    contacts: INTERNAL,
    transactions: INTERNAL,
    complaints: INTERNAL,
  },
  Contact: {
    id: INTERNAL,
    name: { level: 'L1', mask: 'name', identifying: true },
    position: INTERNAL,
    phone: { level: 'L2', mask: 'phone', identifying: true },
    email: { level: 'L2', mask: 'email', identifying: true },
    createdAt: INTERNAL,
  },
  Transaction: {
    id: INTERNAL,
    occurredAt: INTERNAL,
    amount: INTERNAL,
    currency: INTERNAL,
    direction: INTERNAL,
    channel: INTERNAL,
    product: INTERNAL,
    description: { level: 'L1', mask: 'freeText' },
    accountNumber: { level: 'L3', mask: 'card', identifying: true },
    counterpartyName: { level: 'L1', mask: 'name', identifying: true },
    counterpartyAccount: { level: 'L3', mask: 'card', identifying: true },
    status: INTERNAL,
    customer: INTERNAL,
  },
  Complaint: {
    id: INTERNAL,
    channel: INTERNAL,
    category: INTERNAL,
    description: { level: 'L1', mask: 'freeText' },
    urgency: INTERNAL,
    severity: INTERNAL,
    status: INTERNAL,
    receivedAt: INTERNAL,
    dueAt: INTERNAL,
    resolvedAt: INTERNAL,
    closedAt: INTERNAL,
    resolution: { level: 'L1', mask: 'freeText' },
    delayReason: { level: 'L1', mask: 'freeText' },
    satisfaction: INTERNAL,
    overdue: INTERNAL,
    customer: INTERNAL,
    assignee: INTERNAL,
    timeline: { level: 'INTERNAL', listEstimate: 10 },
  },
  ComplaintEvent: {
    id: INTERNAL,
    occurredAt: INTERNAL,
    status: INTERNAL,
    note: { level: 'L1', mask: 'freeText' },
  },
  StaffMember: {
    id: INTERNAL,
    username: INTERNAL,
    displayName: INTERNAL,
    role: INTERNAL,
    branch: INTERNAL,
    active: INTERNAL,
  },
  Viewer: {
    sub: PUBLIC,
    role: PUBLIC,
    scopes: { level: 'PUBLIC', listEstimate: 20 },
    partnerId: PUBLIC,
    expiresAt: PUBLIC,
    // The caller's own staff record.
    staffMember: PUBLIC,
  },
  // The audit register holds no clear sensitive value (paths, decisions, ids, masks, keyed hashes):
  // only auditors may call its root fields.
  AuditPrincipal: { sub: INTERNAL, role: INTERNAL, tokenId: INTERNAL, partnerId: INTERNAL },
  AccessedField: { path: INTERNAL, field: INTERNAL, decision: INTERNAL, strategy: INTERNAL, reason: INTERNAL, count: INTERNAL },
  AccessRecord: {
    seq: INTERNAL, occurredAt: INTERNAL, requestId: INTERNAL, principal: INTERNAL, purpose: INTERNAL, clientAddress: INTERNAL,
    operationType: INTERNAL, operationName: INTERNAL, documentHash: INTERNAL,
    fields: { level: 'INTERNAL', listEstimate: 10 },
    customersClear: { level: 'INTERNAL', listEstimate: 20 },
    customersMasked: { level: 'INTERNAL', listEstimate: 20 },
    clearValues: INTERNAL, maskedValues: INTERNAL, removedValues: INTERNAL, outcome: INTERNAL,
    errorCodes: { level: 'INTERNAL', listEstimate: 2 },
    durationMs: INTERNAL, hash: INTERNAL, prevHash: INTERNAL,
  },
  FieldChange: { field: INTERNAL, sensitive: INTERNAL, old: INTERNAL, new: INTERNAL, oldHash: INTERNAL, newHash: INTERNAL },
  ChangeRecord: {
    seq: INTERNAL, occurredAt: INTERNAL, requestId: INTERNAL, principal: INTERNAL, operationName: INTERNAL, entity: INTERNAL,
    entityId: INTERNAL, customerId: INTERNAL, action: INTERNAL, changes: { level: 'INTERNAL', listEstimate: 10 }, hash: INTERNAL,
  },
  CustomerAccess: { seq: INTERNAL, occurredAt: INTERNAL, principal: INTERNAL, purpose: INTERNAL, operationName: INTERNAL, requestId: INTERNAL, decision: INTERNAL },
  ReportBaseline: { kind: INTERNAL, value: INTERNAL, days: INTERNAL },
  PrincipalDay: {
    day: INTERNAL, principalSub: INTERNAL, principalRole: INTERNAL, requests: INTERNAL, refused: INTERNAL, clearValues: INTERNAL,
    maskedValues: INTERNAL, customersClear: INTERNAL, baseline: INTERNAL, anomaly: INTERNAL, reason: INTERNAL,
  },
  AccessRecordConnection: CONNECTION,
  AccessRecordEdge: EDGE,
  ChangeRecordConnection: CONNECTION,
  ChangeRecordEdge: EDGE,
  CustomerAccessConnection: CONNECTION,
  CustomerAccessEdge: EDGE,
  PageInfo: { hasNextPage: PUBLIC, hasPreviousPage: PUBLIC, startCursor: PUBLIC, endCursor: PUBLIC },
  CustomerConnection: CONNECTION,
  CustomerEdge: EDGE,
  ContactConnection: CONNECTION,
  ContactEdge: EDGE,
  TransactionConnection: CONNECTION,
  TransactionEdge: EDGE,
  ComplaintConnection: CONNECTION,
  ComplaintEdge: EDGE,
};

/**
 * Inputs that filter or sort by a field reveal that field (drupal-graphql #814, prisma #711):
 * each names the field it reveals; a role may use it only if it reads that field clear, or
 * holds an exact-match lookup grant for it.
 */
export const REVEALING_INPUTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'Query.customers': {
    'filter.idNumber': 'Customer.idNumber',
    'filter.phone': 'Customer.phone',
    'filter.archiveNumber': 'Customer.archiveNumber',
    'filter.relationshipManagerId': 'Customer.relationshipManager',
    'filter.createdFrom': 'Customer.createdAt',
    'filter.createdTo': 'Customer.createdAt',
    'orderBy.CREATED_AT': 'Customer.createdAt',
    'orderBy.UPDATED_AT': 'Customer.updatedAt',
    'orderBy.ARCHIVE_NUMBER': 'Customer.archiveNumber',
  },
  'Query.transactions': {
    'filter.minAmount': 'Transaction.amount',
    'filter.maxAmount': 'Transaction.amount',
    'filter.occurredFrom': 'Transaction.occurredAt',
    'filter.occurredTo': 'Transaction.occurredAt',
  },
  'Customer.transactions': {
    'filter.minAmount': 'Transaction.amount',
    'filter.maxAmount': 'Transaction.amount',
    'filter.occurredFrom': 'Transaction.occurredAt',
    'filter.occurredTo': 'Transaction.occurredAt',
  },
  'Query.complaints': { 'filter.assigneeId': 'Complaint.assignee' },
  'Customer.complaints': { 'filter.assigneeId': 'Complaint.assignee' },
};
