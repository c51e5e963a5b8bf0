/**
 * Breadth across requests: the identifying fields of one record (a customer, a contact person) a
 * person has been shown clear today. One request may show at most the role's clear breadth of them together; so may a day of
 * requests — three small requests (name, then phone, then address) cannot add up to more than one
 * request may return. Read per request in one batch, written back once after the response.
 */
import DataLoader from 'dataloader';
import type { BudgetStore } from './store';

/** What the policy engine asks of it (src/context.ts holds one per request when it matters). */
export interface BreadthLedger {
  /** Whether `coordinate` of this record (`Customer:<id>`) may be shown clear; admitting it counts it for the day. */
  admits(record: string, coordinate: string): boolean | Promise<boolean>;
  /** Writes the day's new entries (after the response: a refused or failed request adds nothing it did not show). */
  flush(): Promise<void>;
}

export function breadthLedger(store: BudgetStore, key: string, day: Date, limit: number): BreadthLedger {
  const seen = new DataLoader<string, Set<string>>(async (records) => {
    const today = await store.clearFieldsToday(key, day, [...records]);
    return records.map((id) => new Set(today.get(id) ?? []));
  });
  const added = new Map<string, Set<string>>();
  const decide = (record: string, coordinate: string, fields: Set<string>): boolean => {
    if (fields.has(coordinate)) return true;
    if (fields.size >= limit) return false;
    fields.add(coordinate);
    let mine = added.get(record);
    if (!mine) added.set(record, (mine = new Set()));
    mine.add(coordinate);
    return true;
  };
  return {
    admits(record, coordinate) {
      return seen.load(record).then((fields) => decide(record, coordinate, fields));
    },
    async flush() {
      if (added.size === 0) return;
      await store.addClearFields(key, day, new Map([...added].map(([id, fields]) => [id, [...fields]])));
      added.clear();
    },
  };
}
