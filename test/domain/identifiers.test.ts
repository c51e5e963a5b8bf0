import { buildArchiveNumber, ARCHIVE_NUMBER_PATTERN, chinaDateStamp } from '../../src/domain/archive-number';
import { isLuhnValid, isValidBankCard, withLuhnDigit } from '../../src/domain/bank-card';
import { isValidEmail, isValidMobile } from '../../src/domain/contact-details';
import { buildCreditCode, isValidCreditCode } from '../../src/domain/credit-code';
import { buildNationalId, isValidNationalId, nationalIdBirthDate, nationalIdGender } from '../../src/domain/national-id';

describe('National ID numbers (GB 11643)', () => {
  it('accepts the standard example with an X check character', () => {
    expect(isValidNationalId('11010519491231002X')).toBe(true);
    expect(nationalIdBirthDate('11010519491231002X')).toBe('1949-12-31');
    expect(nationalIdGender('11010519491231002X')).toBe('FEMALE');
  });

  it.each([
    ['wrong check character', '110105194912310021'],
    ['impossible date', '110105194902300025'],
    ['17 characters', '11010519491231002'],
    ['letters inside', '11010519491A31002X'],
    ['lower-case x', '11010519491231002x'],
  ])('rejects %s', (_label, value) => {
    expect(isValidNationalId(value)).toBe(false);
  });

  it('builds numbers that validate and agree with the birth date and gender', () => {
    for (let seq = 0; seq < 200; seq++) {
      const gender = seq % 2 ? 'MALE' : 'FEMALE';
      const id = buildNationalId('440305', '1988-02-29', seq, gender);
      expect(isValidNationalId(id)).toBe(true);
      expect(nationalIdBirthDate(id)).toBe('1988-02-29');
      expect(nationalIdGender(id)).toBe(gender);
    }
  });
});

describe('Unified social credit codes (GB 32100)', () => {
  it('accepts a published valid code and rejects it with any other check character', () => {
    expect(isValidCreditCode('91350100M000100Y43')).toBe(true);
    expect(isValidCreditCode('91350100M000100Y44')).toBe(false);
  });

  it('rejects letters outside the alphabet (I, O, S, V, Z)', () => {
    expect(isValidCreditCode('91350100M000100O43')).toBe(false);
  });

  it('builds codes that validate', () => {
    for (let i = 0; i < 500; i++) expect(isValidCreditCode(buildCreditCode('110101', 10_000_000 + i))).toBe(true);
  });
});

describe('Bank cards (Luhn)', () => {
  it('accepts Luhn-valid numbers and rejects a changed digit', () => {
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
  });

  it('completes a UnionPay prefix into a valid 19-digit card', () => {
    const card = withLuhnDigit('622202123456789012');
    expect(card).toHaveLength(19);
    expect(isValidBankCard(card)).toBe(true);
  });

  it('rejects cards of the wrong length even when the Luhn sum works', () => {
    expect(isValidBankCard('79927398713')).toBe(false);
    expect(isLuhnValid('79927398713')).toBe(true);
  });
});

describe('Mobile numbers and e-mail addresses', () => {
  it.each([['13812345678', true], ['12812345678', false], ['1381234567', false], ['+8613812345678', false]])('mobile %s → %s', (value, ok) => {
    expect(isValidMobile(value)).toBe(ok);
  });

  it.each([['zhang.wei@example.com', true], ['a@b', false], ['a b@example.com', false], ['@example.com', false]])('email %s → %s', (value, ok) => {
    expect(isValidEmail(value)).toBe(ok);
  });
});

describe('Archive numbers', () => {
  it('encode the category and the China-time creation date', () => {
    // 2024-03-14T20:00Z is already 15 March in Beijing.
    const number = buildArchiveNumber('CORPORATE', new Date('2024-03-14T20:00:00Z'), 42);
    expect(number).toBe('E202403150000042');
    expect(ARCHIVE_NUMBER_PATTERN.test(number)).toBe(true);
    expect(chinaDateStamp(new Date('2024-03-14T15:59:59Z'))).toBe('20240314');
  });
});
