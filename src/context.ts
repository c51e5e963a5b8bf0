/** What every resolver receives: the caller, the request's database view and its loaders. */
import type { Pool } from 'pg';
import type { Principal } from './auth/principal';
import type { TokenSigner } from './auth/token-issuer';
import { changeRecorder } from './audit/change-log';
import { RequestDb } from './db/pool';
import { createLoaders, type Loaders } from './loaders';
import type { Logger } from './logger';
import type { OperationFacts, PolicyContext, PolicyServices } from '../permissions/engine/policy-context';
import type { Clock } from './clock';
import { ROLE_POLICIES } from '../permissions/policy';

/** The policy engine's view (permissions/engine/policy-context.ts) plus what the app and the features use. */
export interface RequestContext extends PolicyContext {
  requestId: string;
  /** The caller's address as the server saw it (registered with every access). */
  clientAddress: string | null;
  db: RequestDb;
  loaders: Loaders;
  log: Logger;
  services: RequestServices;
}

/** Server-wide capabilities a request may use (keys stay out of the context). */
export interface RequestServices extends PolicyServices {
  signToken: TokenSigner;
  /** How far back a recorded consent may say it was granted (CONSENT_BACKDATE_DAYS). */
  consentBackdateDays: number;
  /** "Now" for the services that decide by time (grants in force, the erasure flow's retention); the system clock when absent. */
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
