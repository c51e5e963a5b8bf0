/** What every resolver receives: the caller, the request's database view and its loaders. */
import type { Pool } from 'pg';
import type { Principal } from './auth/principal';
import type { ValueHasher } from './audit/keys';
import type { TokenSigner } from './auth/token-issuer';
import { changeRecorder } from './audit/change-log';
import { RequestDb } from './db/pool';
import { createLoaders, type Loaders } from './loaders';
import type { Logger } from './logger';
import type { PrivacyState } from '../permissions/engine/runtime';
import type { Purpose } from '../permissions/vocabulary';
import type { BreadthLedger } from './budget/breadth';
import type { BudgetReport } from './budget/budget-plugin';
import type { Clock } from './clock';
import { ROLE_POLICIES } from '../permissions/policy';

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

export interface RequestContext {
  requestId: string;
  principal: Principal;
  /** The caller's address as the server saw it (registered with every access). */
  clientAddress: string | null;
  operation: OperationFacts;
  db: RequestDb;
  loaders: Loaders;
  log: Logger;
  /** The operation's privacy plan, set by the policy plugin before execution; null until then. */
  privacy: PrivacyState | null;
  /** Identifying fields per customer shown clear today (budget plugin; null when nothing can be clear). */
  breadth: BreadthLedger | null;
  /** The daily budget as this response leaves it (budget plugin, when the operation reserved any); shown in `extensions.privacy.budget`. */
  budgetReport?: BudgetReport;
  services: RequestServices;
  /**
   * Tests only, never set from a request: false serves a read through the resolver path even when
   * the read compiler supports it (the differential test compares both paths).
   */
  compiledReads?: boolean;
}

/** Server-wide capabilities a request may use (keys stay out of the context). */
export interface RequestServices {
  hashValue: ValueHasher;
  signToken: TokenSigner;
  /** How far back a recorded consent may say it was granted (CONSENT_BACKDATE_DAYS). */
  consentBackdateDays: number;
  /** "Now" for the services that decide by time (the erasure flow's retention); the system clock when absent. */
  clock?: Clock;
}

export interface RequestOrigin {
  requestId: string;
  clientAddress: string | null;
}

export function createRequestContext(pool: Pool, principal: Principal, origin: RequestOrigin, log: Logger, services: RequestServices): RequestContext {
  const operation: OperationFacts = { name: null, purpose: null };
  const visibility = principal.role === 'partner' ? { partnerId: principal.partnerId ?? '', purpose: null, fieldGroups: [] } : null;
  const db = new RequestDb(pool, changeRecorder({ principal, requestId: origin.requestId, operationName: () => operation.name }, services.hashValue), visibility, ROLE_POLICIES[principal.role]?.limits.pageSize);
  return { ...origin, principal, operation, db, loaders: createLoaders(db), log, privacy: null, breadth: null, services };
}
