/** Builds the executable schema from the feature resolvers. */
import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { enforcePolicy, type EnforcementOptions } from '../permissions';
import { AuditResolver } from './audit/audit.resolver';
import { ComplaintResolver } from './complaint/complaint.resolver';
import { ContactResolver } from './contact/contact.resolver';
import { CustomerResolver } from './customer/customer.resolver';
import { PartnerResolver } from './partner/partner.resolver';
import { RelationshipResolver } from './relationship/relationship.resolver';
import { ReviewResolver } from './review/review.resolver';
import { DirectoryResolver } from './staff/directory.resolver';
import { ViewerResolver } from './staff/viewer.resolver';
import { TransactionResolver } from './transaction/transaction.resolver';

export const RESOLVERS = [
  CustomerResolver, ContactResolver, TransactionResolver, ComplaintResolver, ViewerResolver, AuditResolver, PartnerResolver, RelationshipResolver, DirectoryResolver, ReviewResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/** The type-graphql schema as declared, without the policy: for emitting SDL and for tests of the policy itself. */
export function buildDeclaredSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false });
  return built;
}

/** The served schema: the declared one with the policy enforced on it. */
export async function buildAppSchema(options: EnforcementOptions = {}): Promise<GraphQLSchema> {
  return enforcePolicy(await buildDeclaredSchema(), options);
}
