/** The policy's refusals: typed, naming fields and figures, never a value. */
import { GraphQLError } from 'graphql';
import type { PlannedField, Exposure } from './plan';
import { alwaysRemoved } from './compile';
import { ROLE_POLICIES } from '../policy';
import type { Role } from '../vocabulary';

const HTTP_FORBIDDEN = { status: 403 };

export function forbidden(reason: string, fields: string[], extra: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(`Forbidden: ${reason}`, { extensions: { code: 'FORBIDDEN', fields, ...extra, http: HTTP_FORBIDDEN } });
}

/** The operation's shape is over the role's limit (depth, aliases, directives, cost): refused before any SQL. */
export function queryLimit(role: string, limit: 'depth' | 'aliases' | 'directives' | 'cost' | 'probes', actual: number, max: number): GraphQLError {
  const what = {
    depth: 'nesting depth',
    aliases: 'aliases',
    directives: 'directives',
    cost: 'values it can return (fields × rows)',
    probes: 'probes (lookups, filters or uniqueness checks on sensitive fields, each alias counted)',
  }[limit];
  return new GraphQLError(`Query limit: the operation's ${what} is ${actual}; the limit for role ${role} is ${max}`, {
    extensions: { code: 'QUERY_LIMIT', limit, actual, max, http: { status: 400 } },
  });
}

/** @skip/@include given a null `if` (a nullable variable sent as null): graphql-js's message holds no value. */
export function badDirectiveArgument(error: unknown): GraphQLError {
  const message = error instanceof GraphQLError ? error.message : 'Argument "if" of @skip/@include is invalid';
  return new GraphQLError(message, {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    extensions: { code: 'BAD_USER_INPUT', field: 'if', http: { status: 400 } },
  });
}

/** Refused before any SQL: the figure, the limit, the paths that weigh most and what to ask instead. */
export function exposureLimit(exposure: Exposure, fields: PlannedField[]): GraphQLError {
  const contributors = fields
    .filter((f) => !alwaysRemoved(f.rule))
    .sort((a, b) => b.rows - a.rows || a.path.localeCompare(b.path))
    .slice(0, 5)
    .map((f) => ({ path: f.path, values: f.rows }));
  // Every value scales with the page sizes along its path, so the share that fits is the ratio.
  const share = Math.max(0, Math.floor((exposure.hardLimit / exposure.volume) * 100));
  const suggestion =
    `ask for at most ${exposure.hardLimit} sensitive values per request: about ${share}% of these rows ` +
    `(smaller 'first', then page with 'after'), or fewer sensitive fields; ${contributors[0]?.path ?? 'the largest path'} weighs most`;
  return new GraphQLError(
    `Exposure limit: this operation asks for ${exposure.volume} sensitive values; the limit for this role is ${exposure.hardLimit}`,
    {
      extensions: {
        code: 'EXPOSURE_LIMIT',
        volume: exposure.volume,
        limit: exposure.hardLimit,
        breadth: exposure.breadth,
        contributors,
        suggestion,
        http: HTTP_FORBIDDEN,
      },
    },
  );
}

/** PURPOSE_REQUIRED (403): no silent default for an operation that reads or writes customer data. */
export function purposeRequired(role: Role): GraphQLError {
  const allowed = ROLE_POLICIES[role].purposes.allowed;
  return new GraphQLError(`Purpose required: declare why with the X-Purpose header (or extensions.purpose); allowed for role ${role}: ${allowed.join(', ')}`, {
    extensions: { code: 'PURPOSE_REQUIRED', allowedPurposes: allowed, usual: ROLE_POLICIES[role].purposes.default, http: { status: 403 } },
  });
}
