import { sanitiseErrorMessage } from '../../src/error-hygiene';

describe('Error hygiene: graphql-js messages never echo the submitted value', () => {
  it.each([
    [
      'Variable "$input" got invalid value "110105194912310021" at "input.annualIncome"; Decimal must be a decimal number as a string, e.g. "1250.00"',
      'Variable "$input" has an invalid value at "input.annualIncome": Decimal must be a decimal number as a string, e.g. "1250.00"',
      '110105194912310021',
    ],
    [
      'Variable "$first" got invalid value "13812345678"; Int cannot represent non-integer value: "13812345678"',
      'Variable "$first" has an invalid value: not a valid Int',
      '13812345678',
    ],
    [
      'Expected value of type "Int", found "6222020000111122223"; Int cannot represent non-integer value: "6222020000111122223"',
      'Expected a value of type "Int"',
      '6222020000111122223',
    ],
    [
      'Variable "$input" got invalid value "张伟" at "input.kind"; Value "张伟" does not exist in "CustomerKind" enum.',
      'Variable "$input" has an invalid value at "input.kind": not a value of enum "CustomerKind"',
      '张伟',
    ],
    ['Value "13812345678" does not exist in "CustomerTier" enum.', 'Not a value of enum "CustomerTier"', '13812345678'],
    ['String cannot represent a non string value: 13800138000', 'Not a valid String', '13800138000'],
    ['Enum "CustomerTier" cannot represent non-enum value: 13800138000.', 'Not a value of enum "CustomerTier"', '13800138000'],
    [
      'Variable "$f" got invalid value "x13800138000" at "f.occurredFrom"; Expected type "DateTimeISO". DateTimeISO cannot represent an invalid date-time-string x13800138000.',
      'Variable "$f" has an invalid value at "f.occurredFrom": not a valid DateTimeISO',
      '13800138000',
    ],
    // A "; " inside the echoed value must not decide where the reason starts.
    [
      'Variable "$input" got invalid value { name: "x", businessScope: "software; consulting", idNumber: "110105199001011234", phone: "13800138000" }; Field "kind" of required type "CustomerKind!" was not provided.',
      'Variable "$input" has an invalid value: field "kind" of required type "CustomerKind!" was not provided',
      '13800138000',
    ],
    [
      'Variable "$input" got invalid value { name: "x", "13800138000": 1 }; Field "13800138000" is not defined by type "ContactInput".',
      'Variable "$input" has an invalid value: a field that type "ContactInput" does not define',
      '13800138000',
    ],
    [
      'Expected value of type "String!", found "Zhang; 13800138000".',
      'Expected a value of type "String!"',
      '13800138000',
    ],
    // Unknown wording after a variable value: nothing of it survives.
    ['Variable "$input" got invalid value "13800138000"; some future wording 13800138000', 'Variable "$input" has an invalid value', '13800138000'],
  ])('rewrites %s', (original, expected, secret) => {
    const { message } = sanitiseErrorMessage(original);
    expect(message).toBe(expected);
    expect(message).not.toContain(secret);
  });

  it('keeps the path of the bad value as the field, when it belongs to the variable', () => {
    expect(sanitiseErrorMessage('Variable "$input" got invalid value 5 at "input.name"; String cannot represent a non string value: 5').field).toBe('input.name');
    expect(sanitiseErrorMessage('Variable "$input" got invalid value { a: "x at \\"other.path\\"" }; Expected type "ContactInput" to be an object.').field).toBeUndefined();
  });

  it('leaves messages without values alone', () => {
    expect(sanitiseErrorMessage('Cannot query field "foo" on type "Query".').message).toBe('Cannot query field "foo" on type "Query".');
    expect(sanitiseErrorMessage('Variable "$id" of required type "ID!" was not provided.').message).toBe('Variable "$id" of required type "ID!" was not provided.');
  });
});
