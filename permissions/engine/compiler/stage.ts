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
import type { PolicyContext } from '../policy-context';
import type { PipelineStage } from '../../../src/request-stage';
import { encodeCursor } from '../../../src/paging/cursor';
import { shownId } from '../shown-id';
import { isUuid } from '../../../src/input-errors';
import type { KeyReference } from '../../../src/crypto/keyring';
import { open, placeOf } from '../../../src/crypto/sealing';
import { applyMask } from '../../masks';
import { ROLE_POLICIES } from '../../policy';
import { countValue, tallyEntry, type OutcomeTally, type PrivacyState } from '../runtime';
import { compileRead, HELD_OUTCOMES, type CompiledRead, type CompileOutcome, type LeafForm, type SensitiveSite, type SiteRule, type Walk } from './read-compiler';
import type { Outcome } from '../compile';

/** Compiled statements per parsed document (Apollo hands back the same object for the same text). */
const cache = new WeakMap<DocumentNode, Map<string, CompileOutcome>>();
const MAX_PER_DOCUMENT = 256;

/** permissions/engine/relations.ts `holds`: relations hold only for a staff record with a uuid subject. */
function relationsApply(ctx: PolicyContext): boolean {
  return Boolean(ctx.principal.staffId) && isUuid(ctx.principal.sub);
}

function cacheKey(ctx: PolicyContext, operationName: string | null, variables: Record<string, unknown>): string {
  const plan = ctx.privacy!.plan;
  // The visibility (partner, purpose, field groups) is a statement parameter: the partner is part of the key.
  // Holding a clear-access grant changes the plan (GRANT is settled false only for those who hold none).
  return JSON.stringify([operationName, plan.role, plan.purpose, ctx.principal.scopes ?? [], ctx.principal.partnerId ?? null, relationsApply(ctx), Boolean(ctx.principal.holdsGrants), ctx.db.visibility, ctx.db.maxPageSize, variables]);
}

/**
 * Statements prepared per connection, by name: at most this many distinct ones per process (every
 * connection keeps each one it prepared), so arbitrary documents cannot grow the server's memory;
 * beyond it a compiled read runs unnamed (parsed and planned each time).
 */
const MAX_PREPARED = 500;
const prepared = new Set<string>();

function named(read: CompiledRead): CompiledRead {
  const name = `cr_${createHash('sha256').update(read.text).digest('hex').slice(0, 24)}`;
  if (!prepared.has(name)) {
    if (prepared.size >= MAX_PREPARED) return read;
    prepared.add(name);
  }
  return { ...read, name };
}

/** A value the walk found sealed: decrypted (and masked, if decided so) once the data keys are at hand. */
interface PendingValue {
  object: Record<string, unknown>;
  key: string;
  ciphertext: string;
  reference: KeyReference;
  place: string;
  outcome: Outcome;
}

/** A record's marker: `[customer id, hold, key reference, row id, OWN_CUSTOMER, OPEN_COMPLAINT_ASSIGNED, ASSIGNED_COMPLAINT, …narrowed forms]`. */
type Marker = [string | undefined | null, string | null, KeyReference | null, string, boolean | null, boolean | null, boolean | null, ...unknown[]];
const RELATION_AT = { OWN_CUSTOMER: 4, OPEN_COMPLAINT_ASSIGNED: 5, ASSIGNED_COMPLAINT: 6 } as const;

interface WalkContext {
  state: PrivacyState;
  pending: PendingValue[];
  entries: Map<unknown, OutcomeTally>;
  /** Values decided per record: recorded after the walk, as the resolver path records them after its rules' promises. */
  perRecord: (() => void)[];
  /** Clear identifying values the day's breadth must admit (permissions/engine/enforcement.ts withinBreadth). */
  breadth: { record: string; coordinate: string; serve(admitted: boolean): void }[];
  /** The id shown for a record (permissions/engine/shown-id.ts). */
  shownId(type: string, id: string): string;
  breadthLedger: boolean;
}

function entryFor(context: WalkContext, site: SensitiveSite, outcome: Outcome): OutcomeTally {
  let byOutcome = context.entries.get(site) as unknown as Map<Outcome, OutcomeTally> | undefined;
  if (!byOutcome) context.entries.set(site, (byOutcome = new Map()) as never);
  let entry = byOutcome.get(outcome);
  if (!entry) byOutcome.set(outcome, (entry = tallyEntry(context.state, site.path, site.field, outcome)));
  return entry;
}

/** The leaf of a rule the row's relations choose (all of a node's relations must hold for `then`). */
function chosen(rule: SiteRule, marker: Marker): LeafForm {
  if ('fixed' in rule) return rule.fixed;
  // GRANT never reaches a compiled statement (read-compiler.ts refuses it): held by nobody here, fail closed.
  const holds = rule.relations.every((relation) => relation !== 'GRANT' && marker[RELATION_AT[relation]] === true);
  return chosen(holds ? rule.then : rule.otherwise, marker);
}

/** Records one value served with `outcome` and leaves in the object what the client is shown. */
function serve(context: WalkContext, object: Record<string, unknown>, site: SensitiveSite, form: LeafForm, outcome: Outcome, marker: Marker, value: unknown): void {
  const entry = entryFor(context, site, outcome);
  const [customerId, , reference, rowId] = marker;
  const customer = customerId ?? undefined;
  if (form.sealed) {
    // The clear value exists when there is a ciphertext and the customer's key (an erased customer has none).
    const opened = typeof value === 'string' && reference ? value : null;
    countValue(context.state, entry, outcome, customer, opened);
    object[site.key] = null;
    if (opened !== null && !form.nullAfterCount) {
      context.pending.push({ object, key: site.key, ciphertext: opened, reference: reference!, place: placeOf(form.sealed.table, form.sealed.column, rowId), outcome });
    }
    return;
  }
  countValue(context.state, entry, outcome, customer, value);
  object[site.key] = form.nullAfterCount ? null : value;
}

/** A page's cursor names a record that is gone: the resolver path answers, with its error. */
class CursorRecordGone extends Error {}

/** Fills the PrivacyState from the statement's JSON as the resolver path would while serving it. */
function walk(value: unknown, shape: Walk, context: WalkContext): unknown {
  if (value === null || value === undefined) return value;
  if (shape.kind === 'pseudonym') return context.shownId(shape.type, value as string);
  if (shape.kind === 'cursor') {
    const text = value as string;
    const at = text.indexOf(':');
    return encodeCursor(shape.list, text.slice(at + 1));
  }
  if (shape.kind === 'cursor-guard') {
    if (value === true) throw new CursorRecordGone();
    return undefined;
  }
  if (shape.kind === 'list') {
    for (const item of value as unknown[]) walk(item, shape.of, context);
    return value;
  }
  const object = value as Record<string, unknown>;
  if (shape.sites.length) {
    const raw = object.$ as Marker | string | null;
    const marker: Marker = Array.isArray(raw) ? raw : [undefined, raw, null, '', null, null, null];
    delete object.$; // the last key: V8 keeps the object's fast shape
    const hold = marker[1];
    for (const site of shape.sites) {
      if (hold) {
        // Withheld before any rule (enforcement.ts guardedField): recorded at once.
        const outcome = HELD_OUTCOMES[hold];
        countValue(context.state, entryFor(context, site, outcome), outcome, marker[0] ?? undefined, null);
        object[site.key] = null;
        continue;
      }
      const form = chosen(site.rule, marker);
      const current = object[site.key];
      if (site.breadth && form.outcome.decision.kind === 'CLEAR' && context.breadthLedger) {
        const { narrowed, alternative, nullAfterCount } = site.breadth;
        object[site.key] = null;
        context.breadth.push({
          record: `${site.field.slice(0, site.field.indexOf('.'))}:${marker[3]}`,
          coordinate: site.field,
          serve: (admitted) =>
            admitted
              ? serve(context, object, site, form, form.outcome, marker, current)
              : serve(context, object, site, { outcome: narrowed, nullAfterCount }, narrowed, marker, marker[alternative]),
        });
        continue;
      }
      if (site.perRecord) context.perRecord.push(() => serve(context, object, site, form, form.outcome, marker, current));
      else serve(context, object, site, form, form.outcome, marker, current);
    }
  }
  for (const [key, child] of shape.children) {
    const replaced = walk(object[key], child, context);
    if (child.kind === 'cursor' || child.kind === 'pseudonym') object[key] = replaced;
    else if (child.kind === 'cursor-guard') delete object[key];
  }
  return object;
}

/** Decrypts the sealed values the response serves clear or masked other than by their stored form. */
async function openPending(ctx: PolicyContext, pending: PendingValue[]): Promise<void> {
  const keyring = ctx.db.keyring;
  if (!keyring) throw new Error('a compiled read with sealed values through a pool without a keyring');
  if (!keyring.unwrapsOnRead) await keyring.prefetch(pending.map((p) => p.reference));
  for (const value of pending) {
    const key = keyring.cached(value.reference) ?? keyring.keyFor(value.reference);
    const clear = open(key, Buffer.from(value.ciphertext, 'base64'), value.place).toString('utf8');
    const { decision } = value.outcome;
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
export async function serveCompiledRead(ctx: PolicyContext, read: CompiledRead): Promise<Record<string, unknown> | null> {
  const values = read.callerParam === null ? read.values : read.values.map((v, i) => (i === read.callerParam ? ctx.principal.sub : v));
  const [row] = await ctx.db.rows<{ data: string }>(read.text, values, read.name || undefined);
  const data = JSON.parse(row.data) as Record<string, unknown>;
  const context: WalkContext = {
    state: ctx.privacy!,
    pending: [],
    entries: new Map(),
    perRecord: [],
    breadth: [],
    breadthLedger: ctx.breadth !== null,
    shownId: (type, id) => shownId(ctx, type, id),
  };
  try {
    walk(data, read.walk, context);
  } catch (error) {
    if (error instanceof CursorRecordGone) return null;
    throw error;
  }
  for (const record of context.perRecord) record();
  if (context.breadth.length) {
    // Asked in the order the resolver path asks, all at once (its ledger batches the day's fields per request).
    const admitted = await Promise.all(context.breadth.map((b) => ctx.breadth!.admits(b.record, b.coordinate)));
    context.breadth.forEach((b, i) => b.serve(admitted[i]));
  }
  if (context.pending.length) await openPending(ctx, context.pending);
  return data;
}

/** The compiled read for this request, or why the resolver path serves it. */
export function compiledReadFor(ctx: PolicyContext, document: DocumentNode, operation: import('graphql').OperationDefinitionNode, operationName: string | null, schema: import('graphql').GraphQLSchema, rawVariables: Record<string, unknown> | undefined): CompileOutcome {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], rawVariables ?? {});
  if (coerced.errors) return { unsupported: 'variables' };
  let byKey = cache.get(document);
  if (!byKey) cache.set(document, (byKey = new Map()));
  const key = cacheKey(ctx, operationName, coerced.coerced);
  let compiled = byKey.get(key);
  if (!compiled) {
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
    compiled = compileRead({ schema, operation, fragments, variables: coerced.coerced, plan: ctx.privacy!.plan, maxPageSize: ctx.db.maxPageSize, relationsApply: relationsApply(ctx), visibility: ctx.db.visibility ? { ...ctx.db.visibility, fieldGroups: [...ctx.db.visibility.fieldGroups] } : null });
    if ('read' in compiled) compiled = { read: named(compiled.read) };
    if (byKey.size >= MAX_PER_DOCUMENT) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, compiled);
  }
  return compiled;
}

/** The pipeline's last step: answers a supported read from its compiled statement. */
export const compiledReadsStage: PipelineStage<PolicyContext> = {
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
          if (!data) {
            // Counted up to the guard: the resolver path counts what it serves itself.
            resetPrivacyState(ctx.privacy);
            return null;
          }
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
