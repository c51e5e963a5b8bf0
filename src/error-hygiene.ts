/**
 * graphql-js quotes the caller's values in its coercion and validation messages
 * (`Variable "$input" got invalid value "110105…" at "input.idNumber"; …`,
 * `String cannot represent a non string value: 13800138000`). Errors must never echo a value,
 * so the messages that can carry one are rebuilt from an allowlist: only schema names, paths
 * and fixed wording survive; anything unrecognised becomes a generic message.
 */
import { DATE_ERROR, DECIMAL_ERROR } from './scalars';

const NAME = '[_A-Za-z][_0-9A-Za-z]*';
const TYPE_REF = '[_A-Za-z][_0-9A-Za-z!\\[\\]]*';
const PATH = `${NAME}(?:\\.${NAME}|\\[\\d+\\])*`;

const VARIABLE_PREFIX = new RegExp(`^Variable "\\$(${NAME})" got invalid value `);

/** What graphql-js's coercion reports after "<value> [at "<path>"]; ", mapped to safe text. */
const COERCION_REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [new RegExp(`; Expected type "(${TYPE_REF})" to be an object\\.$`), (m) => `expected an object of type "${m[1]}"`],
  [new RegExp(`; Field "(${NAME})" of required type "(${TYPE_REF})" was not provided\\.$`), (m) => `field "${m[1]}" of required type "${m[2]}" was not provided`],
  [new RegExp(`; Field "[\\s\\S]*" is not defined by type "(${NAME})"\\.(?: Did you mean [\\s\\S]*)?$`), (m) => `a field that type "${m[1]}" does not define`],
  [new RegExp(`; Expected non-nullable type "(${TYPE_REF})" not to be null\\.$`), (m) => `expected a non-null "${m[1]}"`],
  [new RegExp(`; Value [\\s\\S]* does not exist in "(${NAME})" enum\\.(?: Did you mean [\\s\\S]*)?$`), (m) => `not a value of enum "${m[1]}"`],
  [new RegExp(`; Enum "(${NAME})" cannot represent [\\s\\S]*$`), (m) => `not a value of enum "${m[1]}"`],
  [new RegExp(`; (${NAME}) cannot represent [\\s\\S]*$`), (m) => `not a valid ${m[1]}`],
  [new RegExp(`; Expected type "(${NAME})"\\.(?: [\\s\\S]*)?$`), (m) => `not a valid ${m[1]}`],
  [new RegExp(`; (${escapeRegExp(DECIMAL_ERROR)})$`), (m) => m[1]],
  [new RegExp(`; (${escapeRegExp(DATE_ERROR)})$`), (m) => m[1]],
];

/** Messages reported on their own (inline literals in the document, scalar parsing). */
const STANDALONE: [RegExp, (m: RegExpExecArray) => string][] = [
  [new RegExp(`^Expected value of type "(${TYPE_REF})", found [\\s\\S]*$`), (m) => `Expected a value of type "${m[1]}"`],
  [new RegExp(`^Value [\\s\\S]* does not exist in "(${NAME})" enum\\.[\\s\\S]*$`), (m) => `Not a value of enum "${m[1]}"`],
  [new RegExp(`^Enum "(${NAME})" cannot represent [\\s\\S]*$`), (m) => `Not a value of enum "${m[1]}"`],
  [new RegExp(`^(${NAME}) cannot represent [\\s\\S]*$`), (m) => `Not a valid ${m[1]}`],
  [new RegExp(`^Field "[\\s\\S]*" is not defined by type "(${NAME})"\\.[\\s\\S]*$`), (m) => `A field that type "${m[1]}" does not define`],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface SanitisedMessage {
  message: string;
  /** Where the bad value was (e.g. input.annualIncome), when known. */
  field?: string;
}

function sanitiseVariableMessage(variable: string, message: string): SanitisedMessage {
  for (const [pattern, describe] of COERCION_REASONS) {
    const match = pattern.exec(message);
    if (!match) continue;
    // The path, when there is one, stands right before the reason: ` at "input.idNumber"`.
    const before = message.slice(0, match.index);
    const at = new RegExp(` at "(${PATH})"$`).exec(before);
    const field = at && at[1].split(/[.[]/)[0] === variable ? at[1] : undefined;
    return {
      message: `Variable "$${variable}" has an invalid value${field ? ` at "${field}"` : ''}: ${describe(match)}`,
      ...(field ? { field } : {}),
    };
  }
  return { message: `Variable "$${variable}" has an invalid value` };
}

export function sanitiseErrorMessage(message: string): SanitisedMessage {
  const variable = VARIABLE_PREFIX.exec(message);
  if (variable) return sanitiseVariableMessage(variable[1], message);
  for (const [pattern, describe] of STANDALONE) {
    const match = pattern.exec(message);
    if (match) return { message: describe(match) };
  }
  return { message };
}
