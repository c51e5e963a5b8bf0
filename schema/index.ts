/** Builds the executable schema from the feature resolvers. */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { ComplaintResolver } from './complaint/complaint.resolver';
import { ContactResolver } from './contact/contact.resolver';
import { CustomerResolver } from './customer/customer.resolver';
import { ViewerResolver } from './staff/viewer.resolver';
import { TransactionResolver } from './transaction/transaction.resolver';

export const RESOLVERS = [CustomerResolver, ContactResolver, TransactionResolver, ComplaintResolver, ViewerResolver] as const;

let built: Promise<GraphQLSchema> | undefined;

export function buildAppSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false });
  return built;
}
