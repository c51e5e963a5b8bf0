/** Typed errors about caller input, and the id check (core: the loaders, cursors, the engine and the features share them). Messages name the field and never echo the submitted value. */
import { GraphQLError } from 'graphql';

export function badUserInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: 'BAD_USER_INPUT', field } });
}

export function notFound(what: string, field = 'id'): GraphQLError {
  return new GraphQLError(`${field}: no ${what} with this id`, { extensions: { code: 'NOT_FOUND', field } });
}

/** Collects field errors so one response reports every invalid field at once. */
export class InputProblems {
  private readonly problems: { field: string; message: string }[] = [];

  add(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  check(field: string, ok: boolean, message: string): void {
    if (!ok) this.add(field, message);
  }

  throwIfAny(): void {
    if (this.problems.length === 0) return;
    const [first] = this.problems;
    throw new GraphQLError(this.problems.map((p) => `${p.field}: ${p.message}`).join('; '), {
      extensions: { code: 'BAD_USER_INPUT', field: first.field, fields: this.problems.map((p) => p.field) },
    });
  }
}

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else is refused before it reaches SQL. */
export function requireUuid(value: string, field: string): string {
  if (!UUID_PATTERN.test(value)) throw badUserInput(field, 'must be an id returned by this API');
  return value.toLowerCase();
}

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
