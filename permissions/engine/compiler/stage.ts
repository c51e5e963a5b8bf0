/**
 * Compiled reads in the request pipeline: after the plan and the budgets admitted the operation
 * (Apollo calls `responseForOperation` after every `didResolveOperation`), an operation inside the
 * compiler's subset (read-compiler.ts) is answered from its one SQL statement; anything else —
 * or anything the gate has not settled — returns null and the resolver path (type-graphql +
 * graphql-jit + shield + masking) answers it, as the reference implementation.
 */
import { createHash } from 'node:crypto';
import { HeaderMap, type GraphQLResponse } from '@apollo/server';
import { getVariableValues, Kind, type DocumentNode, type FragmentDefinitionNode } from 'graphql';
import type { RequestContext } from '../../../src/context';
import type { PipelineStage } from '../../../src/request-stage';
import { encodeCursor } from '../../../schema/common/cursor';
import { shownId } from '../../../schema/common/shown-id';
import type { KeyReference } from '../../../src/crypto/keyring';
import { open, placeOf } from '../../../src/crypto/sealing';
import { applyMask } from '../../masks';
import { ROLE_POLICIES } from '../../policy';
import { countValue, tallyEntry, type OutcomeTally, type PrivacyState } from '../runtime';
import { compileRead, HELD_OUTCOMES, type CompiledRead, type CompileOutcome, type SensitiveSite, type Walk } from './read-compiler';

/** Compiled statements per parsed document (Apollo hands back the same object for the same text). */
const cache = new WeakMap<DocumentNode, Map<string, CompileOutcome>>();
const MAX_PER_DOCUMENT = 256;

function cacheKey(ctx: RequestContext, operationName: string | null, variables: Record<string, unknown>): string {
  const plan = ctx.privacy!.plan;
  // The visibility (partner, purpose, field groups) is a statement parameter: the partner is part of the key.
  return JSON.stringify([operationName, plan.role, plan.purpose, ctx.principal.scopes ?? [], ctx.principal.partnerId ?? null, ctx.db.visibility, ctx.db.maxPageSize, variables]);
}

function named(read: CompiledRead): CompiledRead {
  return { ...read, name: `cr_${createHash('sha256').update(read.text).digest('hex').slice(0, 24)}` };
}

/** A value the walk found sealed: decrypted (and masked, if decided so) once the data keys are at hand. */
interface PendingValue {
  object: Record<string, unknown>;
  key: string;
  ciphertext: string;
  reference: KeyReference;
  place: string;
  site: SensitiveSite;
}

interface WalkContext {
  state: PrivacyState;
  pending: PendingValue[];
  entries: Map<SensitiveSite | string, OutcomeTally>;
  /** The id shown for a record (schema/common/shown-id.ts). */
  shownId(type: string, id: string): string;
}

/** Fills the PrivacyState from the statement's JSON as the resolver path would while serving it. */
function walk(value: unknown, shape: Walk, context: WalkContext): unknown {
  if (value === null || value === undefined) return value;
  if (shape.kind === 'pseudonym') return context.shownId(shape.type, value as string);
  if (shape.kind === 'cursor') {
    const text = value as string;
    const at = text.indexOf(':');
    return encodeCursor(shape.list, text.slice(at + 1));
  }
  if (shape.kind === 'list') {
    for (const item of value as unknown[]) walk(item, shape.of, context);
    return value;
  }
  const object = value as Record<string, unknown>;
  const { state, entries } = context;
  if (shape.sites.length) {
    // `[customer id, hold, key reference, row id]`, `[customer id, hold]`, or the hold alone where no value can be counted for a customer.
    const marker = object.$ as [string, string | null, KeyReference | null, string] | string | null;
    const [customerId, hold, reference, rowId] = Array.isArray(marker) ? marker : [undefined, marker, null, ''];
    delete object.$; // the last key: V8 keeps the object's fast shape
    for (const site of shape.sites) {
      if (hold) {
        const outcome = HELD_OUTCOMES[hold];
        const key = `${site.path}|${hold}`;
        let entry = entries.get(key);
        if (!entry) entries.set(key, (entry = tallyEntry(state, site.path, site.field, outcome)));
        countValue(state, entry, outcome, customerId, null);
        object[site.key] = null;
        continue;
      }
      let entry = entries.get(site);
      if (!entry) entries.set(site, (entry = tallyEntry(state, site.path, site.field, site.outcome)));
      if (site.sealed) {
        // The clear value exists when there is a ciphertext and the customer's key (an erased customer has none).
        const ciphertext = object[site.key] as string | null;
        const opened = ciphertext !== null && ciphertext !== undefined && reference ? ciphertext : null;
        countValue(state, entry, site.outcome, customerId, opened);
        object[site.key] = null;
        if (opened !== null && !site.nullAfterCount) {
          context.pending.push({ object, key: site.key, ciphertext: opened, reference: reference!, place: placeOf(site.sealed.table, site.sealed.column, rowId), site });
        }
        continue;
      }
      countValue(state, entry, site.outcome, customerId, object[site.key]);
      if (site.nullAfterCount) object[site.key] = null;
    }
  }
  for (const [key, child] of shape.children) {
    const replaced = walk(object[key], child, context);
    if (child.kind === 'cursor' || child.kind === 'pseudonym') object[key] = replaced;
  }
  return object;
}

/** Decrypts the sealed values the response serves clear or masked other than by their stored form. */
async function openPending(ctx: RequestContext, pending: PendingValue[]): Promise<void> {
  const keyring = ctx.db.keyring;
  if (!keyring) throw new Error('a compiled read with sealed values through a pool without a keyring');
  if (!keyring.unwrapsOnRead) await keyring.prefetch(pending.map((p) => p.reference));
  for (const value of pending) {
    const key = keyring.cached(value.reference) ?? keyring.keyFor(value.reference);
    const clear = open(key, Buffer.from(value.ciphertext, 'base64'), value.place).toString('utf8');
    const { decision } = value.site.outcome;
    value.object[value.key] = decision.kind === 'MASK' ? applyMask(decision.strategy, clear) : clear;
  }
}

function resetPrivacyState(state: PrivacyState): void {
  state.tally.clear();
  state.customers.clear.clear();
  state.customers.masked.clear();
  state.values.clear = 0;
  state.values.masked = 0;
}

/** The one statement, its JSON, and the privacy state filled from it; null: the resolver path must answer. */
export async function serveCompiledRead(ctx: RequestContext, read: CompiledRead): Promise<Record<string, unknown> | null> {
  const [row] = await ctx.db.rows<{ data: string }>(read.text, read.values, read.name);
  const data = JSON.parse(row.data) as Record<string, unknown>;
  for (const key of read.missingCursors) {
    if (data[key]) return null;
    delete data[key];
  }
  const pending: PendingValue[] = [];
  walk(data, read.walk, { state: ctx.privacy!, pending, entries: new Map(), shownId: (type, id) => shownId(ctx, type, id) });
  if (pending.length) await openPending(ctx, pending);
  return data;
}

/** The compiled read for this request, or why the resolver path serves it. */
export function compiledReadFor(ctx: RequestContext, document: DocumentNode, operation: import('graphql').OperationDefinitionNode, operationName: string | null, schema: import('graphql').GraphQLSchema, rawVariables: Record<string, unknown> | undefined): CompileOutcome {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return { unsupported: 'variables' };
  let byKey = cache.get(document);
  if (!byKey) cache.set(document, (byKey = new Map()));
  const key = cacheKey(ctx, operationName, coerced.coerced);
  let compiled = byKey.get(key);
  if (!compiled) {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    compiled = compileRead({ schema, operation, fragments, variables: coerced.coerced, plan: ctx.privacy!.plan, maxPageSize: ctx.db.maxPageSize, visibility: ctx.db.visibility ? { ...ctx.db.visibility, fieldGroups: [...ctx.db.visibility.fieldGroups] } : null });
    if ('read' in compiled) compiled = { read: named(compiled.read) };
    if (byKey.size >= MAX_PER_DOCUMENT) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, compiled);
  }
  return compiled;
}

/** The pipeline's last step: answers a supported read from its compiled statement. */
export const compiledReadsStage: PipelineStage = {
  async requestDidStart() {
    return {
      async responseForOperation({ contextValue, document, operation, operationName, schema, request }): Promise<GraphQLResponse | null> {
        const ctx = contextValue;
        // Tests only (never set from a request): serve through the resolver path to compare.
        if (ctx.compiledReads === false) return null;
        // The gate: a plan for this operation, and every root field granted to the role (the shield's root rules).
        if (!ctx.privacy || !operation || operation.operation !== 'query') return null;
        const policy = ROLE_POLICIES[ctx.principal.role];
        if (!policy || ctx.privacy.plan.role !== ctx.principal.role) return null;
        if (ctx.privacy.plan.roots.some((root) => !policy.operations.includes(root))) return null;
        if (ctx.privacy.tally.size || ctx.privacy.values.clear || ctx.privacy.values.masked) return null;
        const compiled = compiledReadFor(ctx, document, operation, operationName ?? null, schema, request.variables);
        if (!('read' in compiled)) {
          ctx.log.debug({ unsupported: compiled.unsupported }, 'read served by the resolver path');
          return null;
        }
        let data: Record<string, unknown> | null;
        try {
          data = await serveCompiledRead(ctx, compiled.read);
          if (!data) return null;
        } catch (error) {
          // A failed statement (timeout, database away) is answered as the resolver path answers it:
          // with its errors and paths, from its own attempt. Nothing counted so far stands.
          ctx.log.debug({ err: { code: (error as { code?: string }).code } }, 'compiled read failed: the resolver path answers');
          resetPrivacyState(ctx.privacy);
          return null;
        }
        ctx.operation.compiled = true;
        return { http: { status: undefined, headers: new HeaderMap() }, body: { kind: 'single', singleResult: { data } } };
      },
    };
  },
};
