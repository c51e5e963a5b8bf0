/**
 * Resident identity numbers (GB 11643-1999): 6-digit area code, 8-digit birth date,
 * 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';

export type Gender = 'MALE' | 'FEMALE';

export function nationalIdCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** The birth date (YYYY-MM-DD) encoded in an ID number, or null if it is not a real date. */
export function nationalIdBirthDate(idNumber: string): string | null {
  const y = Number(idNumber.slice(6, 10));
  const m = Number(idNumber.slice(10, 12));
  const d = Number(idNumber.slice(12, 14));
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return null;
  }
  return `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
}

export function nationalIdGender(idNumber: string): Gender {
  return Number(idNumber[16]) % 2 === 1 ? 'MALE' : 'FEMALE';
}

export function isValidNationalId(idNumber: string): boolean {
  if (!/^\d{17}[\dX]$/.test(idNumber)) return false;
  if (nationalIdBirthDate(idNumber) === null) return false;
  return nationalIdCheckChar(idNumber) === idNumber[17];
}

/** Builds a valid ID number from its parts (used by the seed and by tests). */
export function buildNationalId(areaCode: string, birthDate: string, sequence: number, gender: Gender): string {
  let seq = sequence % 1000;
  if ((seq % 2 === 1) !== (gender === 'MALE')) seq = (seq + 1) % 1000;
  const first17 = `${areaCode}${birthDate.replace(/-/g, '')}${String(seq).padStart(3, '0')}`;
  return first17 + nationalIdCheckChar(first17);
}
