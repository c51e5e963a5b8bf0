/**
 * graphql-js quotes the offending value in its coercion and validation messages
 * (`Variable "$input" got invalid value "110105…" at "input.idNumber"`). Errors must never
 * echo a value, so those messages are rewritten to name the place and the rule only.
 */

const VARIABLE_VALUE = /^Variable "(\$[_A-Za-z][_0-9A-Za-z]*)" got invalid value [\s\S]*? at "([^"]+)"; ([\s\S]*)$/;
const VARIABLE_VALUE_NO_PATH = /^Variable "(\$[_A-Za-z][_0-9A-Za-z]*)" got invalid value [\s\S]*?; ([\s\S]*)$/;
const LITERAL_VALUE = /^Expected value of type "([^"]+)", found [\s\S]*?(?:; ([\s\S]*))?$/;
const ENUM_VALUE = /^Value "[\s\S]*?" does not exist in "([^"]+)" enum\.?([\s\S]*)$/;
// Built-in scalars: `Int cannot represent non-integer value: 1.5`, `String cannot represent a non string value: 5`
const SCALAR_REASON = /^([\s\S]*?cannot represent[\s\S]*?value)(?::[\s\S]*)?$/;

function reason(text: string | undefined): string {
  if (!text) return '';
  const scalar = SCALAR_REASON.exec(text);
  if (scalar) return scalar[1];
  const enumValue = ENUM_VALUE.exec(text);
  if (enumValue) return `not a value of enum "${enumValue[1]}"`;
  // "Expected type X." and our own scalar messages carry no value.
  return text.replace(/ Did you mean [\s\S]*$/, '');
}

export interface SanitisedMessage {
  message: string;
  /** Where the bad value was (e.g. input.annualIncome), when known. */
  field?: string;
}

export function sanitiseErrorMessage(message: string): SanitisedMessage {
  let match = VARIABLE_VALUE.exec(message);
  if (match) {
    const field = match[2];
    return { message: `Variable "${match[1]}" has an invalid value at "${field}": ${reason(match[3])}`, field };
  }
  match = VARIABLE_VALUE_NO_PATH.exec(message);
  if (match) return { message: `Variable "${match[1]}" has an invalid value: ${reason(match[2])}` };
  match = LITERAL_VALUE.exec(message);
  if (match) return { message: `Expected a value of type "${match[1]}"${match[2] ? `: ${reason(match[2])}` : ''}` };
  match = ENUM_VALUE.exec(message);
  if (match) return { message: `Not a value of enum "${match[1]}"` };
  return { message };
}
