/** Bank card numbers: digits only, 16–19 long, Luhn (ISO/IEC 7812) check digit. */

export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    let d = Number(payload[payload.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(digits: string): boolean {
  if (!/^\d{2,}$/.test(digits)) return false;
  return luhnCheckDigit(digits.slice(0, -1)) === Number(digits[digits.length - 1]);
}

export function isValidBankCard(cardNumber: string): boolean {
  return /^\d{16,19}$/.test(cardNumber) && isLuhnValid(cardNumber);
}

/** Completes a prefix + body into a Luhn-valid number. */
export function withLuhnDigit(payload: string): string {
  return payload + String(luhnCheckDigit(payload));
}
