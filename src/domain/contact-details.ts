/** Mainland mobile numbers and e-mail addresses, as accepted on input. */

export function isValidMobile(phone: string): boolean {
  return /^1[3-9]\d{9}$/.test(phone);
}

// Deliberately simple (one @, a dot in the domain, no spaces): RFC 5322 in full accepts
// addresses no mail system here delivers to.
export function isValidEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(email);
}
