import { sanitiseErrorMessage } from '../../src/server/error-hygiene';

describe('Error hygiene: graphql-js messages never echo the submitted value', () => {
  it.each([
    [
      'Variable "$input" got invalid value "110105194912310021" at "input.idNumber"; Decimal must be a decimal number as a string, e.g. "1250.00"',
      'Variable "$input" has an invalid value at "input.idNumber": Decimal must be a decimal number as a string, e.g. "1250.00"',
      '110105194912310021',
    ],
    [
      'Variable "$first" got invalid value "13812345678"; Int cannot represent non-integer value: "13812345678"',
      'Variable "$first" has an invalid value: Int cannot represent non-integer value',
      '13812345678',
    ],
    [
      'Expected value of type "Int", found "6222020000111122223"; Int cannot represent non-integer value: "6222020000111122223"',
      'Expected a value of type "Int": Int cannot represent non-integer value',
      '6222020000111122223',
    ],
    [
      'Variable "$input" got invalid value "张伟" at "input.kind"; Value "张伟" does not exist in "CustomerKind" enum.',
      'Variable "$input" has an invalid value at "input.kind": not a value of enum "CustomerKind"',
      '张伟',
    ],
    ['Value "13812345678" does not exist in "CustomerTier" enum.', 'Not a value of enum "CustomerTier"', '13812345678'],
  ])('rewrites %s', (original, expected, secret) => {
    const { message } = sanitiseErrorMessage(original);
    expect(message).toBe(expected);
    expect(message).not.toContain(secret);
  });

  it('keeps the path of the bad value as the field', () => {
    expect(sanitiseErrorMessage('Variable "$input" got invalid value 5 at "input.name"; String cannot represent a non string value: 5').field).toBe('input.name');
  });

  it('leaves messages without values alone', () => {
    expect(sanitiseErrorMessage('Cannot query field "foo" on type "Query".').message).toBe('Cannot query field "foo" on type "Query".');
  });
});
