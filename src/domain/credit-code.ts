/**
 * Unified social credit codes (GB 32100-2015): 18 characters from a 31-symbol alphabet
 * (no I, O, S, V, Z); the last is a MOD 31 check character over the first 17.
 */

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];

export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
  return ALPHABET[(31 - (sum % 31)) % 31];
}

export function isValidCreditCode(code: string): boolean {
  if (!/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  return creditCodeCheckChar(code) === code[17];
}

/** Organization code (GB 11714): 8 symbols and a MOD 11 check character. */
function organizationCode(body8: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += ALPHABET.indexOf(body8[i]) * ORG_WEIGHTS[i];
  const c = 11 - (sum % 11);
  return body8 + (c === 10 ? 'X' : c === 11 ? '0' : String(c));
}

/** Builds a valid code for an enterprise (registration authority 9, type 1) in an area. */
export function buildCreditCode(areaCode: string, serial: number): string {
  const first17 = `91${areaCode}${organizationCode(String(serial % 1e8).padStart(8, '0'))}`;
  return first17 + creditCodeCheckChar(first17);
}
