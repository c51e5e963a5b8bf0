/**
 * Every operation that read or wrote customer records (a compact record when no sensitive field
 * was involved: seed 001 五(二)2, seed 003 四(四)2), or returned, masked, removed or refused
 * sensitive data, leaves one access record, and a response carrying sensitive data is released only after its record committed
 * (group commit: see AccessWriter). If the register cannot be written, the data is withheld:
 * SERVICE_UNAVAILABLE. Records hold paths, decisions, reasons and ids — never values, never variables.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import type { RequestContext } from '../context';
import { REGISTER_OPERATIONS, touchesCustomerData } from '../../permissions/defaults';
import type { ClaimedPrincipal } from '../auth/verifier';
import type { AccessRecord, AccessWriter } from './access-writer';

/** Refusals by the policy: registered even though nothing was returned. */
const REFUSAL_CODES = new Set(['FORBIDDEN', 'EXPOSURE_LIMIT', 'QUERY_LIMIT', 'RATE_LIMITED', 'EXPOSURE_BUDGET_EXHAUSTED', 'PURPOSE_REQUIRED']);
/** Reading the register is itself registered (who watched the watchers). */
const REGISTER_READS = new Set<string>(REGISTER_OPERATIONS);

export const REGISTER_UNAVAILABLE: GraphQLFormattedError = {
  message: 'The access register cannot be written: sensitive data is withheld until it can',
  extensions: { code: 'SERVICE_UNAVAILABLE' },
};

/** Distinct codes in the order the errors came: the first is the outcome. */
function errorCodes(errors: readonly GraphQLFormattedError[] | undefined): string[] {
  return [...new Set((errors ?? []).map((e) => String(e.extensions?.code ?? 'UNKNOWN')))];
}

export function buildAccessRecord(ctx: RequestContext, started: { at: Date; hr: bigint }, operation: { type: string | null; name: string | null; hash: string | null }, codes: string[]): AccessRecord {
  const state = ctx.privacy;
  const fields = state ? [...state.tally.values()].sort((a, b) => a.path.localeCompare(b.path) || a.decision.localeCompare(b.decision) || a.reason.localeCompare(b.reason)) : [];
  // ↑ as the explanation lists them (permissions/engine/runtime.ts compareTallies): by the tally's key, never by execution order.
  const total = (decision: string) => fields.filter((f) => f.decision === decision).reduce((n, f) => n + f.count, 0);
  // A probe is registered as a read of its field: the argument's path, the field, reason PROBE, never the value.
  const probes = (state?.plan.probes ?? []).map((p) => ({ path: `${p.path}(${p.argument})`, field: p.field, decision: p.decision, strategy: null, reason: 'PROBE', count: 1 }));
  const { principal } = ctx;
  return {
    occurredAt: started.at,
    requestId: ctx.requestId,
    principalSub: principal.sub,
    principalRole: principal.role,
    tokenId: principal.tokenId,
    partnerId: principal.partnerId,
    operationName: operation.name,
    purpose: state?.plan.purpose ?? ctx.operation.purpose,
    clientAddress: ctx.clientAddress,
    operationType: operation.type,
    documentHash: operation.hash,
    fields: [...fields.map((f) => ({ path: f.path, field: f.field, decision: f.decision, strategy: f.strategy ?? null, reason: f.reason, ...(f.grantId ? { grantId: f.grantId } : {}), count: f.count })), ...probes],
    customersClear: [...(state?.customers.clear ?? [])].sort(),
    customersMasked: [...(state?.customers.masked ?? [])].sort(),
    clearValues: state?.values.clear ?? 0,
    maskedValues: state?.values.masked ?? 0,
    removedValues: total('REMOVE'),
    outcome: codes[0] ?? 'OK',
    errorCodes: codes,
    durationUs: (Number(process.hrtime.bigint() - started.hr) / 1000).toFixed(0),
  };
}

/**
 * A refused or failed authentication, as a security event in the register: who the token claimed to
 * be when its signature held (else `anonymous`), the client address and the rule — never the token.
 */
export function authenticationRecord(requestId: string, clientAddress: string | null, code: 'UNAUTHENTICATED' | 'FORBIDDEN', rule: string, claimed: ClaimedPrincipal | null): AccessRecord {
  return {
    occurredAt: new Date(),
    requestId,
    principalSub: claimed?.sub ?? 'anonymous',
    principalRole: claimed?.role ?? 'anonymous',
    tokenId: claimed?.tokenId ?? null,
    partnerId: claimed?.partnerId ?? null,
    operationName: null,
    purpose: null,
    clientAddress,
    operationType: 'authentication',
    documentHash: null,
    fields: [],
    customersClear: [],
    customersMasked: [],
    clearValues: 0,
    maskedValues: 0,
    removedValues: 0,
    outcome: code,
    errorCodes: [code, rule],
    durationUs: '0',
  };
}

export function accessRegisterPlugin(writer: AccessWriter): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const started = { at: new Date(), hr: process.hrtime.bigint() };
      return {
        async didResolveOperation({ contextValue, operationName }) {
          contextValue.operation.name = operationName ?? null;
        },
        async willSendResponse({ contextValue, response, operation, operationName, queryHash }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const codes = errorCodes(result.errors);
          const plan = contextValue.privacy?.plan;
          const touchesSensitive = plan !== undefined && (plan.fields.size > 0 || touchesCustomerData(plan.roots) || plan.roots.some((r) => REGISTER_READS.has(r)));
          if (!touchesSensitive && !codes.some((c) => REFUSAL_CODES.has(c))) return;
          const record = buildAccessRecord(contextValue, started, { type: operation?.operation ?? null, name: operationName ?? null, hash: queryHash ?? null }, codes);
          try {
            await writer.append(record);
          } catch {
            if (!touchesSensitive) return; // a refusal stays a refusal; the writer has logged the failure
            result.data = null;
            result.errors = [REGISTER_UNAVAILABLE];
            delete result.extensions;
            if (response.http) response.http.status = 503;
          }
        },
      };
    },
  };
}
