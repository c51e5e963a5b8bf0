/**
 * Input rules for customer fields. Each failure names the field; none repeats the value.
 */
import { isValidBankCard } from '../../src/domain/bank-card';
import { isValidEmail, isValidMobile } from '../../src/domain/contact-details';
import { isValidCreditCode } from '../../src/domain/credit-code';
import { fitsNumeric, numericRule } from '../../src/domain/money';
import { isValidNationalId, nationalIdBirthDate, nationalIdGender } from '../../src/domain/national-id';
import { CustomerKind, CustomerStatus } from '../../src/db/entities';
import { InputProblems } from '../../src/input-errors';
import type { CreateCustomerInput, UpdateCustomerInput } from './customer.inputs';

const MAX_TEXT = 500;

function checkText(problems: InputProblems, field: string, value: string | null | undefined, required = false): void {
  if (value === undefined || value === null) {
    if (required) problems.add(field, 'is required');
    return;
  }
  const trimmed = value.trim();
  problems.check(field, trimmed.length > 0 || !required, 'must not be empty');
  problems.check(field, value.length <= MAX_TEXT, `must be at most ${MAX_TEXT} characters`);
}

/** Checks the fields that create and update share. */
export function checkContactAndMoney(problems: InputProblems, input: UpdateCustomerInput | CreateCustomerInput): void {
  if (input.phone != null) problems.check('phone', isValidMobile(input.phone), 'must be a mainland mobile number (11 digits, 1[3-9]…)');
  if (input.email != null) problems.check('email', isValidEmail(input.email), 'must be an e-mail address');
  if (input.bankCardNumber != null) {
    problems.check('bankCardNumber', isValidBankCard(input.bankCardNumber), 'must be 16–19 digits with a valid Luhn check digit');
  }
  // Column sizes: annual_income numeric(18,2), total_assets numeric(20,2).
  for (const [field, precision] of [['annualIncome', 18], ['totalAssets', 20]] as const) {
    const value = input[field];
    if (value == null) continue;
    if (value.startsWith('-')) problems.add(field, 'must not be negative');
    else problems.check(field, fitsNumeric(value, precision, 2), numericRule(precision, 2));
  }
  for (const field of ['address', 'employer', 'legalRepresentative', 'businessScope', 'industry'] as const) {
    checkText(problems, field, input[field]);
  }
}

const INDIVIDUAL_ONLY = ['idNumber', 'birthDate', 'gender', 'bankCardNumber', 'annualIncome', 'employer'] as const;
const CORPORATE_ONLY = ['creditCode', 'legalRepresentative', 'businessScope', 'industry'] as const;

/** Fields of the other kind must stay empty (a corporate has no ID number, an individual no credit code). */
function checkKindFields(problems: InputProblems, kind: CustomerKind, values: object): void {
  const [foreign, label] = kind === CustomerKind.INDIVIDUAL ? [CORPORATE_ONLY, 'corporate'] : [INDIVIDUAL_ONLY, 'individual'];
  const given = values as Record<string, unknown>;
  for (const field of foreign) problems.check(field, given[field] == null, `is for ${label} customers only`);
}

export function validateCreateCustomer(input: CreateCustomerInput): void {
  const problems = new InputProblems();
  checkText(problems, 'name', input.name, true);
  checkContactAndMoney(problems, input);
  if (input.kind === CustomerKind.INDIVIDUAL) {
    if (!input.idNumber) problems.add('idNumber', 'is required for individuals');
    else if (!isValidNationalId(input.idNumber)) problems.add('idNumber', 'must be an 18-character national ID number with a valid check digit');
    else {
      if (input.birthDate != null && input.birthDate !== nationalIdBirthDate(input.idNumber)) {
        problems.add('birthDate', 'does not agree with idNumber');
      }
      if (input.gender != null && input.gender !== nationalIdGender(input.idNumber)) {
        problems.add('gender', 'does not agree with idNumber');
      }
    }
  } else {
    if (!input.creditCode) problems.add('creditCode', 'is required for corporate customers');
    else problems.check('creditCode', isValidCreditCode(input.creditCode), 'must be an 18-character unified social credit code with a valid check character');
    checkText(problems, 'legalRepresentative', input.legalRepresentative, true);
  }
  checkKindFields(problems, input.kind, input);
  problems.throwIfAny();
}

/** `kind` is the stored customer's: an update may not give it the other kind's fields or clear a required one. */
export function validateUpdateCustomer(input: UpdateCustomerInput, kind: CustomerKind): void {
  const problems = new InputProblems();
  if (input.name !== undefined) checkText(problems, 'name', input.name, true);
  checkContactAndMoney(problems, input);
  checkKindFields(problems, kind, input);
  if (kind === CustomerKind.CORPORATE && input.legalRepresentative === null) {
    problems.add('legalRepresentative', 'is required for corporate customers');
  }
  for (const field of ['tier', 'status'] as const) {
    problems.check(field, input[field] !== null, 'cannot be cleared');
  }
  problems.check('status', input.status !== CustomerStatus.ERASED, 'ERASED is set only by the erasure flow');
  problems.check('status', input.status !== CustomerStatus.RESTRICTED, 'RESTRICTED is set only by the erasure flow');
  problems.check('status', input.status !== CustomerStatus.PENDING_REVIEW, 'PENDING_REVIEW is set only when a customer is created');
  problems.throwIfAny();
}
