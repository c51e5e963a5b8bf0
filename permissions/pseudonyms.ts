/**
 * Keyed pseudonyms of the ids of customers and their records for roles with `pseudonymousIds` (analysts): the same customer
 * gets the same pseudonym for one caller and one purpose, another for anyone else — records stay
 * countable and joinable within a study without a stable identifier that leads back to a customer.
 * A NUL in the label keeps these hashes apart from every other use of the value key.
 */
export type Hasher = (value: string) => string;

export function customerPseudonym(hash: Hasher, caller: string, purpose: string, customerId: string): string {
  return recordPseudonym(hash, caller, purpose, 'Customer', customerId);
}

/**
 * The pseudonym of any record that belongs to a customer (a transaction, a contact, a complaint):
 * a stable real id of those would lead back to the customer as surely as the customer's own.
 */
export function recordPseudonym(hash: Hasher, caller: string, purpose: string, type: string, id: string): string {
  const h = hash(`\u0000pseudonym/v1|${caller}|${purpose}|${type === 'Customer' ? '' : `${type}:`}${id}`);
  // Shaped like a UUID (version nibble 8: custom), so clients treating ids as UUIDs keep working.
  const variant = '89ab'[parseInt(h[16], 16) & 3];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
