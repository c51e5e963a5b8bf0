/**
 * Breadth across requests: the identifying fields of one customer a person has been shown clear
 * today. One request may show at most the role's clear breadth of them together; so may a day of
 * requests — three small requests (name, then phone, then address) cannot add up to more than one
 * request may return. Read per request in one batch, written back once after the response.
 */
import DataLoader from 'dataloader';
import type { BudgetStore } from './store';

/** What the policy engine asks of it (src/context.ts holds one per request when it matters). */
export interface BreadthLedger {
  /** Whether `coordinate` of this customer may be shown clear; admitting it counts it for the day. */
  admits(customerId: string, coordinate: string): boolean | Promise<boolean>;
  /** Writes the day's new entries (after the response: a refused or failed request adds nothing it did not show). */
  flush(): Promise<void>;
}

export function breadthLedger(store: BudgetStore, key: string, day: Date, limit: number): BreadthLedger {
  const seen = new DataLoader<string, Set<string>>(async (customerIds) => {
    const today = await store.clearFieldsToday(key, day, [...customerIds]);
    return customerIds.map((id) => new Set(today.get(id) ?? []));
  });
  const added = new Map<string, Set<string>>();
  const decide = (customerId: string, coordinate: string, fields: Set<string>): boolean => {
    if (fields.has(coordinate)) return true;
    if (fields.size >= limit) return false;
    fields.add(coordinate);
    let mine = added.get(customerId);
    if (!mine) added.set(customerId, (mine = new Set()));
    mine.add(coordinate);
    return true;
  };
  return {
    admits(customerId, coordinate) {
      return seen.load(customerId).then((fields) => decide(customerId, coordinate, fields));
    },
    async flush() {
      if (added.size === 0) return;
      await store.addClearFields(key, day, new Map([...added].map(([id, fields]) => [id, [...fields]])));
      added.clear();
    },
  };
}
