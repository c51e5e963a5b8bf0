/**
 * The SQL function of each masking strategy (created by migrations/1795530100000-SqlMasks.ts),
 * for a read compiled to SQL: `${SQL_MASKS.phone}(c.phone)` masks in the statement exactly as
 * MASKS.phone does in Node (test/permissions/sql-masks.test.ts proves it over generated values).
 *
 * Every strategy must be listed: a new one fails typecheck here until it has a function or is
 * marked `null` — no SQL function, so a compiled read must select the form stored at write time
 * (`<column>_masked`, src/crypto/sealed-fields.ts); the test checks every field masked so has one.
 * Pure data: policy imports nothing from src/.
 */
import type { MaskStrategy } from './masks';

/** The schema holding the functions (the app's role has USAGE on it and EXECUTE on them). */
export const SQL_MASK_SCHEMA = 'policy_masks';

export const SQL_MASKS = {
  idNumber: 'policy_masks.id_number',
  card: 'policy_masks.card',
  cardLast4: 'policy_masks.card_last4',
  phone: 'policy_masks.phone',
  email: 'policy_masks.email',
  name: 'policy_masks.person_name',
  address: 'policy_masks.address',
  /** Text form `1985-**-**` (of a date's ISO text). */
  birthYear: 'policy_masks.birth_year',
  /** Text form `100000-500000`: money_bucket(numeric) and money_bucket(text) (JS Number() rules). */
  moneyBucket: 'policy_masks.money_bucket',
  /** plpgsql, a scanner: for the free texts not sealed; sealed ones have their masked form stored (`<column>_masked`). */
  freeText: 'policy_masks.free_text',
  generalised: 'policy_masks.generalised',
} as const satisfies Readonly<Record<MaskStrategy, `${typeof SQL_MASK_SCHEMA}.${string}` | null>>;

/** The strategies a compiled read can apply in SQL. */
export type SqlMaskStrategy = { [S in MaskStrategy]: (typeof SQL_MASKS)[S] extends null ? never : S }[MaskStrategy];

/** The SQL expression masking `expression` by `strategy`, or null when it must be read from a stored masked column. */
export function sqlMask(strategy: MaskStrategy, expression: string): string | null {
  const fn = SQL_MASKS[strategy];
  return fn === null ? null : `${fn}(${expression})`;
}
