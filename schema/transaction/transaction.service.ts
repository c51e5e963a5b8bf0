/** Transaction reads (keyset pages, newest first) and recording a new one. */
import { randomUUID } from 'node:crypto';
import { selectColumns, selectColumnsFor, selectSomeColumns } from '../../src/db/columns';
import { Customer, Transaction } from '../../src/db/entities';
import { lockCustomerKey, sealFor } from '../../src/crypto/sealed-writes';
import { isLuhnValid } from '../../src/domain/bank-card';
import { fitsNumeric, numericRule } from '../../src/domain/money';
import type { RequestDb } from '../../src/db/pool';
import type { SealedNeed } from '../../src/loaders/selection';
import { fetchPage, type ChildListSpec } from '../../src/loaders/paging';
import type { Page } from '../../src/paging/page';
import { InputProblems, requireUuid } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import type { RecordTransactionInput, TransactionFilter, TransactionsArgs } from './transaction.inputs';

export const transactionList: ChildListSpec = {
  list: 'transactions',
  table: 'transactions',
  alias: 't',
  parentColumn: 'customer_id',
  parentProperty: 'customerId',
  entity: Transaction,
  order: { column: 't.occurred_at', direction: 'DESC' },
  get columns() {
    return selectColumns(Transaction, 't');
  },
};

export function transactionConditions(filter: TransactionFilter | null | undefined, params: SqlParams, nested = false): string[] {
  if (!filter) return [];
  const conditions: string[] = [];
  if (filter.customerId && !nested) conditions.push(`t.customer_id = ${params.add(requireUuid(filter.customerId, 'filter.customerId'))}`);
  if (filter.occurredFrom) conditions.push(`t.occurred_at >= ${params.add(filter.occurredFrom)}`);
  if (filter.occurredTo) conditions.push(`t.occurred_at < ${params.add(filter.occurredTo)}`);
  if (filter.minAmount) conditions.push(`t.amount >= ${params.add(filter.minAmount)}::numeric`);
  if (filter.maxAmount) conditions.push(`t.amount <= ${params.add(filter.maxAmount)}::numeric`);
  if (filter.direction) conditions.push(`t.direction = ${params.add(filter.direction)}`);
  if (filter.channel) conditions.push(`t.channel = ${params.add(filter.channel)}`);
  return conditions;
}

/** `needs`: the node fields the operation asks for and what their values need (see plannedNodeNeeds). */
export function findTransactions(db: RequestDb, args: TransactionsArgs, needs?: ReadonlyMap<string, SealedNeed | null>): Promise<Page<Transaction>> {
  const params = new SqlParams();
  return fetchPage<Transaction>(db, transactionList, transactionList.order, args, transactionConditions(args.filter, params), params,
    needs ? selectColumnsFor(Transaction, 't', needs) : undefined);
}

function validateRecordTransaction(input: RecordTransactionInput): void {
  const problems = new InputProblems();
  problems.check('amount', !input.amount.startsWith('-') && Number(input.amount) > 0, 'must be greater than 0');
  problems.check('amount', fitsNumeric(input.amount, 18, 2), numericRule(18, 2)); // amount numeric(18,2)
  if (input.currency != null) problems.check('currency', /^[A-Z]{3}$/.test(input.currency), 'must be an ISO 4217 code such as CNY');
  problems.check('product', input.product.trim().length > 0 && input.product.length <= 200, 'must be 1–200 characters');
  if (input.description != null) problems.check('description', input.description.length <= 500, 'must be at most 500 characters');
  if (input.accountNumber != null) {
    problems.check('accountNumber', /^\d{12,19}$/.test(input.accountNumber) && isLuhnValid(input.accountNumber), 'must be 12–19 digits with a valid Luhn check digit');
  }
  if (input.counterpartyAccount != null) {
    problems.check('counterpartyAccount', /^[0-9A-Z]{8,34}$/.test(input.counterpartyAccount), 'must be 8–34 digits or capital letters');
  }
  if (input.counterpartyName != null) problems.check('counterpartyName', input.counterpartyName.trim().length > 0 && input.counterpartyName.length <= 200, 'must be 1–200 characters');
  if (input.occurredAt != null) problems.check('occurredAt', input.occurredAt.getTime() <= Date.now() + 60_000, 'must not be in the future');
  problems.throwIfAny();
}

export async function recordTransaction(db: RequestDb, input: RecordTransactionInput): Promise<Transaction> {
  const customerId = requireUuid(input.customerId, 'customerId');
  validateRecordTransaction(input);
  const params = new SqlParams();
  // The customer must exist and be active (the row locked meanwhile); the account defaults to its card.
  return db.transaction(async (tx) => {
    // The key first, then the customer's card (see lockCustomerKey): a rotation never lands between them.
    const dataKey = await lockCustomerKey(tx, customerId);
    const [customer] = await tx.rows<Customer>(
      `SELECT ${selectSomeColumns(Customer, 'c', ['id', 'bankCardNumber'])} FROM customers c WHERE c.id = $1 AND c.status = 'ACTIVE' FOR SHARE`,
      [customerId],
    );
    const accountNumber = input.accountNumber ?? customer?.bankCardNumber ?? null;
    if (!customer || accountNumber === null) {
      const problems = new InputProblems();
      problems.add('customerId', 'no active customer with this id, or it has no card and no accountNumber was given');
      problems.throwIfAny();
    }
    const id = randomUUID();
    const sealed = await sealFor(tx, 'transactions', id, customerId, {
      description: input.description ?? null,
      accountNumber,
      counterpartyAccount: input.counterpartyAccount ?? null,
    }, dataKey ?? undefined);
    const [row] = await tx.rows<Transaction>(
      `INSERT INTO transactions AS t (id, customer_id, occurred_at, amount, currency, direction, channel, product, counterparty_name, ${Object.keys(sealed).join(', ')})
       VALUES (${params.add(id)}, ${params.add(customerId)}, COALESCE(${params.add(input.occurredAt ?? null)}::timestamptz, now()),
               ${params.add(input.amount)}::numeric, ${params.add(input.currency ?? 'CNY')}, ${params.add(input.direction)}, ${params.add(input.channel)},
               ${params.add(input.product.trim())}, ${params.add(input.counterpartyName ?? null)}, ${Object.values(sealed).map((v) => params.add(v)).join(', ')})
       RETURNING ${transactionList.columns}`,
      params.values,
    );
    tx.changed({ entity: 'Transaction', entityId: row.id, customerId: row.customerId, action: 'CREATE', before: null, after: row as never });
    return row;
  });
}

export async function findTransaction(db: RequestDb, id: string): Promise<Transaction | null> {
  const params = new SqlParams();
  const conditions = db.restricted([`t.id = ${params.add(requireUuid(id, 'id'))}`], 'transactions', 't', params);
  const [row] = await db.rows<Transaction>(`SELECT ${transactionList.columns} FROM transactions t WHERE ${conditions.join(' AND ')}`, params.values);
  return row ?? null;
}
