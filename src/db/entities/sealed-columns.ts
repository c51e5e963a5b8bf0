/**
 * The storage columns of a table's sealed fields, declared to TypeORM so the entities and the
 * migrations agree: `<column>_sealed` (bytea), `<column>_masked` (text), `<column>_bidx` (bytea)
 * for blind-indexed fields, and the emptied plaintext column with its NOT VALID check. The
 * GraphQL field keeps the property name; its value comes from the sealed column (src/crypto).
 */
import { Check, Column, type ColumnOptions } from 'typeorm';
import { SEALED_TABLES } from '../../crypto/sealed-fields';

/** Plaintext column types other than text (the legacy columns keep their type until dropped). */
export type LegacyTypes = Record<string, Pick<ColumnOptions, 'type' | 'precision' | 'scale'>>;

export function SealedColumns(table: string, legacyTypes: LegacyTypes = {}): ClassDecorator {
  return (target) => {
    const prototype = (target as unknown as { prototype: object }).prototype;
    const spec = SEALED_TABLES[table];
    for (const field of spec.fields) {
      const stem = field.property.charAt(0).toUpperCase() + field.property.slice(1);
      Column({ name: field.column, nullable: true, select: false, ...(legacyTypes[field.property] ?? { type: 'text' }) })(prototype, `plaintext${stem}`);
      Column({ name: `${field.column}_sealed`, type: 'bytea', nullable: true })(prototype, `${field.property}Sealed`);
      Column({ name: `${field.column}_masked`, type: 'text', nullable: true })(prototype, `${field.property}Masked`);
      if (field.blindIndex) Column({ name: `${field.column}_bidx`, type: 'bytea', nullable: true })(prototype, `${field.property}Bidx`);
    }
    Check(`${table}_plaintext_sealed_check`, spec.fields.map((f) => `"${f.column}" IS NULL`).join(' AND '))(target);
  };
}

/** Whether an entity column is storage of a sealed field (not selected under its own name). */
export function isSealedStorage(propertyName: string): boolean {
  return /^plaintext[A-Z]|(Sealed|Masked|Bidx)$/.test(propertyName);
}
