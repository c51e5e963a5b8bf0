/**
 * What the policy engine reads and writes on a request — the app's RequestContext (src/context.ts)
 * extends it — so the engine depends on core modules only, never on the app that builds the
 * context (its loaders import the features).
 */
import type { Principal } from '../../src/auth/principal';
import type { ValueHasher } from '../../src/audit/keys';
import type { BreadthLedger } from '../../src/budget/breadth';
import type { BudgetReport } from '../../src/budget/store';
import type { Clock } from '../../src/clock';
import type { RequestDb } from '../../src/db/pool';
import type { Logger } from '../../src/logger';
import type { Purpose } from '../vocabulary';
import type { PrivacyState } from './runtime';

/**
 * What the request turned out to be, filled in by the plugins once known. An object of its own:
 * Apollo hands resolvers and plugins a shallow copy of the context, and this is shared by both.
 */
export interface OperationFacts {
  name: string | null;
  /** The purpose the policy settled for the request (declared or the role's default). */
  purpose: Purpose | null;
  /** Set when the read compiler answered the operation from one statement (the operation log says so). */
  compiled?: boolean;
}

/** The request's database view, as far as the engine uses it (reads, the relations' snapshot, the partner's visibility, the keyring). */
export type PolicyDb = Pick<RequestDb, 'rows' | 'relations' | 'relationsFrozen' | 'freezeRelations' | 'releaseSnapshot' | 'visibility' | 'keyring' | 'maxPageSize'>;

/** The request's loaders the relations read records through (rows the caller may see, batched per request). */
export interface PolicyLoaders {
  customerById: { load(id: string): Promise<{ relationshipManagerId?: string | null } | null> };
  complaintById: { load(id: string): Promise<object | null> };
}

/** Server-wide capabilities the engine uses: keyed pseudonyms and the time grants are checked against. */
export interface PolicyServices {
  hashValue: ValueHasher;
  /** "Now" for the grants in force; the system clock when absent. */
  clock?: Clock;
}

export interface PolicyContext {
  principal: Principal;
  operation: OperationFacts;
  db: PolicyDb;
  loaders: PolicyLoaders;
  log: Pick<Logger, 'debug'>;
  /** The operation's privacy plan, set by the policy plugin before execution; null until then. */
  privacy: PrivacyState | null;
  /** Identifying fields per customer shown clear today (budget plugin; null when nothing can be clear). */
  breadth: BreadthLedger | null;
  /** The daily budget as this response leaves it (budget plugin); the policy plugin adds it to `extensions.privacy`. */
  budgetReport?: BudgetReport;
  services: PolicyServices;
  /**
   * Tests only, never set from a request: false serves a read through the resolver path even when
   * the read compiler supports it (the differential test compares both paths).
   */
  compiledReads?: boolean;
}
