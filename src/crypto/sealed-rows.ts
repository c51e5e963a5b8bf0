/**
 * Rows with sealed columns, read and written. A SELECT list names each sealed field twice
 * (`"customers.phone$sealed"`, `"phone$masked"`) and the row's key reference once (`"$key"`);
 * opened rows get the table's row prototype, whose getters decrypt a field only when something
 * reads it — a removed field is never decrypted, a masked one is served from its stored form.
 */
import type { QueryResult, QueryResultRow } from 'pg';
import { applyMask } from '../../permissions/masks';
import { keyReferenceSql, type Keyring, type KeyReference } from './keyring';
import { SEALED_TABLES, type SealedField, type SealedTable } from './sealed-fields';
import { open, placeOf, seal } from './sealing';

export const KEY_COLUMN = '$key';
const SEALED_SUFFIX = '$sealed';
const MASKED_SUFFIX = '$masked';
const DATA_KEY = Symbol('dataKey');
const KEYRING = Symbol('keyring');

const sealedAlias = (table: string, property: string) => `${table}.${property}${SEALED_SUFFIX}`;
export const maskedAlias = (property: string) => `${property}${MASKED_SUFFIX}`;

/**
 * SELECT-list items for a table's sealed fields (those in `properties`, when given) and its key
 * reference; fields in `maskedOnly` (served by their default mask wherever selected) as their
 * stored masked form alone — with no field needing its ciphertext, no key is read either.
 */
export function sealedSelectList(table: string, alias: string, properties: ReadonlySet<string> | null, maskedOnly: ReadonlySet<string> = new Set()): string[] {
  const spec = SEALED_TABLES[table];
  if (!spec) return [];
  const chosen = spec.fields.filter((f) => !properties || properties.has(f.property));
  const needKey = chosen.some((f) => !maskedOnly.has(f.property));
  return [
    ...chosen.flatMap((f) => [
      ...(maskedOnly.has(f.property) ? [] : [`${alias}.${f.column}_sealed AS "${sealedAlias(table, f.property)}"`]),
      `${alias}.${f.column}_masked AS "${maskedAlias(f.property)}"`,
    ]),
    ...(needKey ? [`${keyReferenceSql(spec.customerOf(alias))} AS "${KEY_COLUMN}"`] : []),
  ];
}

type OpenedRow = Record<string | symbol, unknown> & { id?: string };

function openField(row: OpenedRow, spec: SealedTable, field: SealedField): string | null | undefined {
  const sealed = row[sealedAlias(spec.table, field.property)] as Buffer | null | undefined;
  if (sealed === undefined || sealed === null) return sealed;
  const reference = row[KEY_COLUMN] as KeyReference | null;
  // The customer's key is gone (erased): nothing of them can be read back.
  if (!reference) return null;
  const key = (row[DATA_KEY] as Buffer | undefined) ?? (row[KEYRING] as Keyring).keyFor(reference);
  return open(key, sealed, placeOf(spec.table, field.column, String(row.id))).toString('utf8');
}

const prototypes = new Map<string, object>();

function rowPrototype(spec: SealedTable): object {
  let prototype = prototypes.get(spec.table);
  if (!prototype) {
    prototype = {};
    for (const field of spec.fields) {
      Object.defineProperty(prototype, field.property, {
        get(this: OpenedRow) {
          return openField(this, spec, field);
        },
        enumerable: false,
      });
    }
    prototypes.set(spec.table, prototype);
  }
  return prototype;
}

/** The table whose sealed fields a result carries (from the first sealed alias), if any. */
function sealedTableOf(result: QueryResult): SealedTable | undefined {
  if (!result.fields.some((f) => f.name === KEY_COLUMN)) return undefined;
  const name = result.fields.find((f) => f.name.endsWith(SEALED_SUFFIX))?.name;
  return name ? SEALED_TABLES[name.slice(0, name.indexOf('.'))] : undefined;
}

/** Gives each row of a result with sealed columns its data key and its table's getters. */
export async function openRows<R extends QueryResultRow>(keyring: Keyring | undefined, result: QueryResult<R>): Promise<R[]> {
  const spec = sealedTableOf(result);
  if (!spec) return result.rows;
  if (!keyring) throw new Error('rows with sealed columns were read through a pool without a keyring');
  const rows = result.rows as unknown as OpenedRow[];
  const prototype = rowPrototype(spec);
  if (keyring.unwrapsOnRead) {
    // Unwrapped when a value is first read: a page served masked unwraps nothing.
    for (const row of rows) {
      row[KEYRING] = keyring;
      Object.setPrototypeOf(row, prototype);
    }
    return result.rows;
  }
  await keyring.prefetch(rows.map((row) => row[KEY_COLUMN] as KeyReference | null));
  for (const row of rows) {
    const reference = row[KEY_COLUMN] as KeyReference | null;
    if (reference) row[DATA_KEY] = keyring.cached(reference);
    Object.setPrototypeOf(row, prototype);
  }
  return result.rows;
}

/** The stored default masked form of a field of an opened row; undefined when the row has none. */
export function storedMaskedForm(row: unknown, property: string): string | null | undefined {
  if (row === null || typeof row !== 'object') return undefined;
  return (row as Record<string, string | null | undefined>)[maskedAlias(property)];
}

/** A row as a plain object with its sealed fields clear and no storage columns (for the change history). */
export function clearRecord(row: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!row) return row;
  const record: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) {
    if (name === KEY_COLUMN || name.endsWith(MASKED_SUFFIX)) continue;
    if (name.endsWith(SEALED_SUFFIX)) {
      const property = name.slice(name.indexOf('.') + 1, -SEALED_SUFFIX.length);
      record[property] = row[property];
    } else {
      record[name] = value;
    }
  }
  return record;
}

/** Column → value for writing sealed fields of one row: ciphertext, default masked form, blind index. */
export function sealedColumns(keyring: Keyring, dataKey: Buffer, table: string, rowId: string, values: Record<string, unknown>): Record<string, unknown> {
  const spec = SEALED_TABLES[table];
  const columns: Record<string, unknown> = {};
  for (const field of spec.fields) {
    if (!(field.property in values)) continue;
    const raw = values[field.property];
    if (raw === undefined) continue;
    const value = raw === null ? null : String(raw);
    columns[`${field.column}_sealed`] = value === null ? null : seal(dataKey, Buffer.from(value, 'utf8'), placeOf(table, field.column, rowId));
    columns[`${field.column}_masked`] = value === null || !field.mask ? null : applyMask(field.mask, value);
    if (field.blindIndex) columns[`${field.column}_bidx`] = value === null ? null : keyring.blindIndex(field.blindIndex, value);
  }
  return columns;
}

/** Splits write values into plain properties and sealed ones (by the table's sealed fields). */
export function splitSealed(table: string, values: Record<string, unknown>): { plain: Record<string, unknown>; sealed: Record<string, unknown> } {
  const spec = SEALED_TABLES[table];
  const plain: Record<string, unknown> = {};
  const sealed: Record<string, unknown> = {};
  for (const [property, value] of Object.entries(values)) {
    (spec?.fields.some((f) => f.property === property) ? sealed : plain)[property] = value;
  }
  return { plain, sealed };
}
