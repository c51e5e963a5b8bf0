/**
 * Breadth across requests: the identifying fields of one record (a customer, a contact person) a
 * person has been shown clear today. One request may show at most the role's clear breadth of them
 * together; so may a day of requests — three small requests (name, then phone, then address)
 * cannot add up to more than one request may return, nor can requests sent at the same time.
 */
import DataLoader from 'dataloader';
import type { BudgetStore } from './store';

/** What the policy engine asks of it (src/context.ts holds one per request when it matters). */
export interface BreadthLedger {
  /** Whether `coordinate` of this record (`Customer:<id>`) may be shown clear; admitting it counts it for the day. */
  admits(record: string, coordinate: string): boolean | Promise<boolean>;
}

/**
 * Fields already shown today are read in one batch per request and admitted without a write; a
 * new one is admitted by the store in one atomic step (concurrent requests cannot both take the
 * last place), and counts from then on even if the request fails later (fail closed).
 */
export function breadthLedger(store: BudgetStore, key: string, day: Date, limit: number): BreadthLedger {
  const seen = new DataLoader<string, Set<string>>(async (records) => {
    const today = await store.clearFieldsToday(key, day, [...records]);
    return records.map((id) => new Set(today.get(id) ?? []));
  });
  return {
    async admits(record, coordinate) {
      const fields = await seen.load(record);
      if (fields.has(coordinate)) return true;
      const admitted = await store.admitClearField(key, day, record, coordinate, limit);
      if (admitted) fields.add(coordinate);
      return admitted;
    },
  };
}
