/**
 * SELECT lists derived from the entities' TypeORM metadata, aliased to property names, so raw
 * rows already have the GraphQL shape and no column list is written twice.
 */
import { getMetadataArgsStorage } from 'typeorm';
import { sealedSelectList } from '../crypto/sealed-rows';
import { isSealedStorage } from './entities/sealed-columns';
import { SEALED_TABLES } from '../crypto/sealed-fields';
import { CLASSIFICATION } from '../../permissions/classification';

const cache = new Map<string, string>();

/**
 * Every row of a customer's records carries `$hold`: 'RESTRICTED' or 'ERASED' when its customer
 * is (the erasure flow), else null — the policy then withholds the row's sensitive fields
 * (permissions/engine/enforcement.ts) with no statement of its own.
 */
export const HOLD_COLUMN = '$hold';

/** 'RESTRICTED' or 'ERASED' when a row read with `selectColumns` belongs to such a customer, else null. */
export function heldStatus(row: unknown): string | null {
  const hold = row !== null && typeof row === 'object' ? (row as Record<string, unknown>)[HOLD_COLUMN] : null;
  return typeof hold === 'string' ? hold : null;
}

function holdSelectList(table: string, alias: string): string[] {
  const spec = SEALED_TABLES[table];
  if (!spec) return [];
  if (table === 'customers') return [`CASE WHEN ${alias}.status IN ('RESTRICTED', 'ERASED') THEN ${alias}.status END AS "${HOLD_COLUMN}"`];
  // The condition is the predicate of the partial index customers_held_idx: an empty probe for almost every row.
  return [`(SELECT held.status FROM customers held WHERE held.id = ${spec.customerOf(alias)} AND held.status IN ('RESTRICTED', 'ERASED')) AS "${HOLD_COLUMN}"`];
}

function tableOf(entity: Function): string {
  const table = getMetadataArgsStorage().tables.find((t) => t.target === entity);
  return table?.name ?? entity.name;
}

/**
 * `alias.db_name AS "property"` for the entity's columns (those in `only`, when given), cached;
 * sealed fields as their ciphertext, stored masked form and key reference (src/crypto/sealed-rows);
 * rows of a customer's records also whether the customer is restricted or erased (`$hold`).
 */
function columnList(entity: Function, alias: string, only: readonly string[] | null): string {
  const wanted = only && new Set(only);
  return cachedList(`${entity.name}:${alias}:${only?.join(',') ?? '*'}`, () => [
    ...plainColumns(entity, alias, wanted),
    ...sealedSelectList(tableOf(entity), alias, wanted),
    ...holdSelectList(tableOf(entity), alias),
  ]);
}

/** The entity's plain (not sealed) columns as `alias.db_name AS "property"`, those in `wanted` when given. */
function plainColumns(entity: Function, alias: string, wanted: ReadonlySet<string> | null): string[] {
  return getMetadataArgsStorage()
    .columns.filter((column) => column.target === entity && !isSealedStorage(column.propertyName) && (!wanted || wanted.has(column.propertyName)))
    .map((column) => `${alias}.${column.options.name ?? column.propertyName} AS "${column.propertyName}"`);
}

function cachedList(key: string, build: () => string[]): string {
  let list = cache.get(key);
  if (list === undefined) cache.set(key, (list = build().join(', ')));
  return list;
}

/**
 * Every plain column (relationship rules read them), but of the sealed fields only those a
 * selection needs (and the fields its generalisations are computed from), as the plan settled
 * them: not at all where removed, the stored masked form alone where served by the default mask
 * (see `plannedNodeNeeds`) — a sealed column not needed is neither read nor parsed.
 */
export function selectColumnsFor(entity: Function, alias: string, needs: ReadonlyMap<string, 'masked' | 'sealed' | null>): string {
  const table = tableOf(entity);
  const typeFields = CLASSIFICATION[SEALED_TABLES[table]?.typeName ?? ''] ?? {};
  const wanted = new Set<string>();
  const sealed = new Set<string>();
  for (const [field, need] of needs) {
    if (need === null) continue;
    wanted.add(field);
    if (need === 'sealed') sealed.add(field);
    // A generalisation is computed from its source's stored masked form.
    const source = typeFields[field]?.generalises;
    if (source) wanted.add(source);
  }
  const maskedOnly = new Set([...wanted].filter((f) => !sealed.has(f)));
  return cachedList(`${entity.name}:${alias}:for:${[...wanted].sort().join(',')}:masked:${[...maskedOnly].sort().join(',')}`, () => [
    ...plainColumns(entity, alias, null),
    ...sealedSelectList(table, alias, wanted, maskedOnly),
    ...holdSelectList(table, alias),
  ]);
}

export function selectColumns(entity: Function, alias: string): string {
  return columnList(entity, alias, null);
}

/**
 * The SELECT list for some properties only (unknown names, e.g. relation fields, are skipped);
 * `properties` null: every column.
 */
export function selectSomeColumns(entity: Function, alias: string, properties: readonly string[] | null): string {
  return columnList(entity, alias, properties);
}

/** The database column behind an entity property (for INSERT/UPDATE built from inputs). */
export function columnName(entity: Function, property: string): string {
  if (isSealedStorage(property)) throw new Error(`${entity.name}.${property} is storage of a sealed field`);
  const column = getMetadataArgsStorage().columns.find((c) => c.target === entity && c.propertyName === property);
  if (!column) throw new Error(`${entity.name}.${property} is not a column`);
  return column.options.name ?? column.propertyName;
}
