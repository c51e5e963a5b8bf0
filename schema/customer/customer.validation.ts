/**
 * Input rules for customer fields. Each failure names the field; none repeats the value.
 */
import { isValidBankCard } from '../../src/domain/bank-card';
import { isValidEmail, isValidMobile } from '../../src/domain/contact-details';
import { isValidCreditCode } from '../../src/domain/credit-code';
import { isValidNationalId, nationalIdBirthDate, nationalIdGender } from '../../src/domain/national-id';
import { CustomerKind, CustomerStatus } from '../../src/db/entities';
import { InputProblems } from '../common/errors';
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
  if (input.annualIncome != null) problems.check('annualIncome', !input.annualIncome.startsWith('-'), 'must not be negative');
  if (input.totalAssets != null) problems.check('totalAssets', !input.totalAssets.startsWith('-'), 'must not be negative');
  for (const field of ['address', 'employer', 'legalRepresentative', 'businessScope', 'industry'] as const) {
    checkText(problems, field, input[field]);
  }
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
    problems.check('creditCode', input.creditCode == null, 'is for corporate customers only');
  } else {
    if (!input.creditCode) problems.add('creditCode', 'is required for corporate customers');
    else problems.check('creditCode', isValidCreditCode(input.creditCode), 'must be an 18-character unified social credit code with a valid check character');
    checkText(problems, 'legalRepresentative', input.legalRepresentative, true);
    for (const field of ['idNumber', 'birthDate', 'gender', 'bankCardNumber', 'annualIncome'] as const) {
      problems.check(field, input[field] == null, 'is for individual customers only');
    }
  }
  problems.throwIfAny();
}

export function validateUpdateCustomer(input: UpdateCustomerInput): void {
  const problems = new InputProblems();
  if (input.name !== undefined) checkText(problems, 'name', input.name, true);
  checkContactAndMoney(problems, input);
  for (const field of ['tier', 'status'] as const) {
    problems.check(field, input[field] !== null, 'cannot be cleared');
  }
  problems.check('status', input.status !== CustomerStatus.ERASED, 'ERASED is set only by the deletion flow');
  problems.throwIfAny();
}
