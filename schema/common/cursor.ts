/**
 * Opaque cursors that encode only a record's key and the kind of list it came from — never a
 * sort value (a name or an amount in a cursor would leak it).
 */
import { badUserInput, isUuid } from './errors';

export function encodeCursor(list: string, id: string): string {
  return Buffer.from(`${list}:${id}`, 'utf8').toString('base64url');
}

/** The record id in `cursor`, checked to come from the same kind of list. */
export function decodeCursor(list: string, cursor: string, field = 'after'): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const separator = decoded.lastIndexOf(':');
  const id = decoded.slice(separator + 1);
  if (separator === -1 || decoded.slice(0, separator) !== list || !isUuid(id)) {
    throw badUserInput(field, `not a cursor of this list (${list})`);
  }
  return id;
}
