/** A customer's contact persons: listed through Customer.contacts, changed by mutations. */
import { heldStatus, selectColumns } from '../../src/db/columns';
import { Contact } from '../../src/db/entities';
import { isValidEmail, isValidMobile } from '../../src/domain/contact-details';
import type { RequestDb, TransactionDb } from '../../src/db/pool';
import type { ChildListSpec } from '../../src/loaders/paging';
import { badUserInput, InputProblems, notFound, requireUuid } from '../../src/input-errors';
import type { ContactInput, UpdateContactInput } from './contact.inputs';
import { randomUUID } from 'node:crypto';
import { lockCustomerKey, sealFor } from '../../src/crypto/sealed-writes';

export const MAX_CONTACTS_PER_CUSTOMER = 20;

export const contactList: ChildListSpec = {
  list: 'contacts',
  table: 'contacts',
  alias: 'ct',
  parentColumn: 'customer_id',
  parentProperty: 'customerId',
  entity: Contact,
  order: { column: 'ct.created_at', direction: 'ASC' },
  get columns() {
    return selectColumns(Contact, 'ct');
  },
};

function validateContact(input: ContactInput | UpdateContactInput, creating: boolean): void {
  const problems = new InputProblems();
  if (creating || input.name !== undefined) {
    problems.check('name', typeof input.name === 'string' && input.name.trim().length > 0 && input.name.length <= 100, 'must be 1–100 characters');
  }
  if (input.position != null) problems.check('position', input.position.length <= 100, 'must be at most 100 characters');
  if (input.phone != null) problems.check('phone', isValidMobile(input.phone), 'must be a mainland mobile number (11 digits, 1[3-9]…)');
  if (input.email != null) problems.check('email', isValidEmail(input.email), 'must be an e-mail address');
  problems.throwIfAny();
}

/** The contact's customer's key row, taken before the contact is read with a lock (see lockCustomerKey). */
async function lockKeyOfContact(tx: TransactionDb, contactId: string): Promise<void> {
  const [contact] = await tx.rows<{ customerId: string }>(`SELECT customer_id AS "customerId" FROM contacts WHERE id = $1`, [contactId]);
  if (contact) await lockCustomerKey(tx, contact.customerId);
}

export async function addContact(db: RequestDb, customerId: string, input: ContactInput): Promise<Contact> {
  const id = requireUuid(customerId, 'customerId');
  validateContact(input, true);
  // Locking the customer row serialises concurrent additions. The count is a statement of its
  // own, after the lock: in READ COMMITTED it then sees the additions committed meanwhile.
  return db.transaction(async (tx) => {
    const problems = new InputProblems();
    const locked = await tx.rows(`SELECT 1 FROM customers WHERE id = $1 AND status NOT IN ('ERASED', 'RESTRICTED') FOR UPDATE`, [id]);
    if (locked.length === 0) problems.add('customerId', 'no customer with this id');
    problems.throwIfAny();
    const [{ contacts }] = await tx.rows<{ contacts: number }>(`SELECT count(*)::int AS contacts FROM contacts WHERE customer_id = $1`, [id]);
    problems.check('customerId', contacts < MAX_CONTACTS_PER_CUSTOMER, `this customer already has ${MAX_CONTACTS_PER_CUSTOMER} contacts`);
    problems.throwIfAny();
    const contactId = randomUUID();
    const sealed = await sealFor(tx, 'contacts', contactId, id, { phone: input.phone ?? null, email: input.email ?? null });
    const [row] = await tx.rows<Contact>(
      `INSERT INTO contacts AS ct (id, customer_id, name, position, ${Object.keys(sealed).join(', ')})
       VALUES ($1, $2, $3, $4, ${Object.keys(sealed).map((_, i) => `$${i + 5}`).join(', ')}) RETURNING ${contactList.columns}`,
      [contactId, id, input.name.trim(), input.position ?? null, ...Object.values(sealed)],
    );
    tx.changed({ entity: 'Contact', entityId: row.id, customerId: id, action: 'CREATE', before: null, after: row as never });
    return row;
  });
}

/** A restricted or erased customer's records take no changes (schema/erasure). */
function refuseHeld(row: Contact): void {
  if (heldStatus(row)) throw badUserInput('id', 'the customer of this contact is restricted or erased: their records take no changes');
}

export async function updateContact(db: RequestDb, contactId: string, input: UpdateContactInput): Promise<Contact> {
  const id = requireUuid(contactId, 'id');
  validateContact(input, false);
  const fields = (['name', 'position', 'phone', 'email'] as const).filter((f) => input[f] !== undefined);
  if (fields.length === 0) {
    const [row] = await db.rows<Contact>(`SELECT ${contactList.columns} FROM contacts ct WHERE ct.id = $1`, [id]);
    if (!row) throw notFound('contact');
    return row;
  }
  return db.transaction(async (tx) => {
    await lockKeyOfContact(tx, id);
    const [before] = await tx.rows<Contact>(`SELECT ${contactList.columns} FROM contacts ct WHERE ct.id = $1 FOR UPDATE`, [id]);
    if (!before) throw notFound('contact');
    refuseHeld(before);
    const plain = (['name', 'position'] as const).filter((f) => input[f] !== undefined);
    const columns: Record<string, unknown> = Object.fromEntries(plain.map((f) => [f, f === 'name' ? input.name!.trim() : input[f]]));
    Object.assign(columns, await sealFor(tx, 'contacts', id, before.customerId, { phone: input.phone, email: input.email }));
    const sets = Object.keys(columns).map((column, i) => `${column} = $${i + 2}`);
    const [row] = await tx.rows<Contact>(`UPDATE contacts AS ct SET ${sets.join(', ')} WHERE ct.id = $1 RETURNING ${contactList.columns}`, [id, ...Object.values(columns)]);
    tx.changed({ entity: 'Contact', entityId: row.id, customerId: row.customerId, action: 'UPDATE', before: before as never, after: row as never });
    return row;
  });
}

export async function removeContact(db: RequestDb, contactId: string): Promise<string> {
  const id = requireUuid(contactId, 'id');
  return db.transaction(async (tx) => {
    await lockKeyOfContact(tx, id);
    const [removed] = await tx.rows<Contact>(`DELETE FROM contacts AS ct WHERE ct.id = $1 RETURNING ${contactList.columns}`, [id]);
    if (!removed) throw notFound('contact');
    refuseHeld(removed); // rolls the deletion back
    tx.changed({ entity: 'Contact', entityId: removed.id, customerId: removed.customerId, action: 'DELETE', before: removed as never, after: null });
    return removed.id;
  });
}
