/** A typed call to the API: the generated document fixes the variables and the result's type. */
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { ApiResponse } from './privacy';

/** Error codes the API sends in `extensions.code` (README "The schema"); a UI switches on these, never on messages. */
export const API_ERROR_CODES = [
  'UNAUTHENTICATED', 'FORBIDDEN', 'PURPOSE_REQUIRED', 'EXPOSURE_LIMIT', 'EXPOSURE_BUDGET_EXHAUSTED', 'RATE_LIMITED',
  'QUERY_LIMIT', 'BAD_USER_INPUT', 'NOT_FOUND', 'GRAPHQL_VALIDATION_FAILED', 'SERVICE_UNAVAILABLE', 'TIMEOUT',
  'PERSISTED_QUERY_HASH_MISMATCH', 'INTERNAL_SERVER_ERROR',
] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

/** The first error's code, typed ('UNKNOWN' for a code this client predates); null without errors. */
export function errorCode(response: ApiResponse<unknown>): ApiErrorCode | 'UNKNOWN' | null {
  const code = response.errors?.[0]?.extensions?.code;
  if (code === undefined) return response.errors?.length ? 'UNKNOWN' : null;
  return (API_ERROR_CODES as readonly string[]).includes(code) ? (code as ApiErrorCode) : 'UNKNOWN';
}

export interface ApiOptions {
  url: string;
  token: string;
  /** Stated with every operation on customer data (`X-Purpose`); one of the role's allowed purposes. */
  purpose: string;
}

export async function request<TData, TVariables extends Record<string, unknown>>(
  options: ApiOptions,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): Promise<ApiResponse<TData>> {
  const res = await fetch(`${options.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${options.token}`, 'x-purpose': options.purpose },
    body: JSON.stringify({ query: print(document), variables }),
  });
  // Refusals come with 4xx/5xx and a GraphQL body all the same: read it either way.
  return (await res.json()) as ApiResponse<TData>;
}
