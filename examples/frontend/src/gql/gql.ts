/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "# After editing: `npm run examples:codegen` (types in src/gql/).\n# One customer: masked strings stay strings; a masked birth date or income is null and its typed\n# generalisation (birthYear, annualIncomeRange) carries what the caller may see.\nquery CustomerDetail($id: ID!) {\n  customer(id: $id) {\n    id\n    kind\n    name\n    phone\n    email\n    idNumber\n    birthDate\n    birthYear\n    annualIncome\n    annualIncomeRange {\n      min\n      max\n    }\n    tier\n    creditRating\n  }\n}\n": typeof types.CustomerDetailDocument,
    "# After editing: `npm run examples:codegen` (types in src/gql/).\n# A page of one customer's transactions, newest first; page on with `after: pageInfo.endCursor`.\nquery TransactionPage($customerId: ID!, $first: Int = 20, $after: String) {\n  transactions(first: $first, after: $after, filter: { customerId: $customerId }) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        occurredAt\n        amount\n        currency\n        direction\n        channel\n        accountNumber\n        counterpartyName\n      }\n    }\n  }\n}\n": typeof types.TransactionPageDocument,
};
const documents: Documents = {
    "# After editing: `npm run examples:codegen` (types in src/gql/).\n# One customer: masked strings stay strings; a masked birth date or income is null and its typed\n# generalisation (birthYear, annualIncomeRange) carries what the caller may see.\nquery CustomerDetail($id: ID!) {\n  customer(id: $id) {\n    id\n    kind\n    name\n    phone\n    email\n    idNumber\n    birthDate\n    birthYear\n    annualIncome\n    annualIncomeRange {\n      min\n      max\n    }\n    tier\n    creditRating\n  }\n}\n": types.CustomerDetailDocument,
    "# After editing: `npm run examples:codegen` (types in src/gql/).\n# A page of one customer's transactions, newest first; page on with `after: pageInfo.endCursor`.\nquery TransactionPage($customerId: ID!, $first: Int = 20, $after: String) {\n  transactions(first: $first, after: $after, filter: { customerId: $customerId }) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        occurredAt\n        amount\n        currency\n        direction\n        channel\n        accountNumber\n        counterpartyName\n      }\n    }\n  }\n}\n": types.TransactionPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "# After editing: `npm run examples:codegen` (types in src/gql/).\n# One customer: masked strings stay strings; a masked birth date or income is null and its typed\n# generalisation (birthYear, annualIncomeRange) carries what the caller may see.\nquery CustomerDetail($id: ID!) {\n  customer(id: $id) {\n    id\n    kind\n    name\n    phone\n    email\n    idNumber\n    birthDate\n    birthYear\n    annualIncome\n    annualIncomeRange {\n      min\n      max\n    }\n    tier\n    creditRating\n  }\n}\n"): (typeof documents)["# After editing: `npm run examples:codegen` (types in src/gql/).\n# One customer: masked strings stay strings; a masked birth date or income is null and its typed\n# generalisation (birthYear, annualIncomeRange) carries what the caller may see.\nquery CustomerDetail($id: ID!) {\n  customer(id: $id) {\n    id\n    kind\n    name\n    phone\n    email\n    idNumber\n    birthDate\n    birthYear\n    annualIncome\n    annualIncomeRange {\n      min\n      max\n    }\n    tier\n    creditRating\n  }\n}\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "# After editing: `npm run examples:codegen` (types in src/gql/).\n# A page of one customer's transactions, newest first; page on with `after: pageInfo.endCursor`.\nquery TransactionPage($customerId: ID!, $first: Int = 20, $after: String) {\n  transactions(first: $first, after: $after, filter: { customerId: $customerId }) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        occurredAt\n        amount\n        currency\n        direction\n        channel\n        accountNumber\n        counterpartyName\n      }\n    }\n  }\n}\n"): (typeof documents)["# After editing: `npm run examples:codegen` (types in src/gql/).\n# A page of one customer's transactions, newest first; page on with `after: pageInfo.endCursor`.\nquery TransactionPage($customerId: ID!, $first: Int = 20, $after: String) {\n  transactions(first: $first, after: $after, filter: { customerId: $customerId }) {\n    totalCount\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n    edges {\n      node {\n        id\n        occurredAt\n        amount\n        currency\n        direction\n        channel\n        accountNumber\n        counterpartyName\n      }\n    }\n  }\n}\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;