/** What every resolver receives: the caller, the request's database view and its loaders. */
import type { Pool } from 'pg';
import type { Principal } from './auth/principal';
import { RequestDb } from './db/pool';
import { createLoaders, type Loaders } from './loaders';
import type { Logger } from './logger';
import type { PrivacyState } from '../permissions/engine/runtime';

export interface RequestContext {
  requestId: string;
  principal: Principal;
  db: RequestDb;
  loaders: Loaders;
  log: Logger;
  /** The operation's privacy plan, set by the policy plugin before execution; null until then. */
  privacy: PrivacyState | null;
}

export function createRequestContext(pool: Pool, principal: Principal, requestId: string, log: Logger): RequestContext {
  const db = new RequestDb(pool);
  return { requestId, principal, db, loaders: createLoaders(db), log, privacy: null };
}
