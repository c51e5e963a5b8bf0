/** Builds the executable schema from the feature resolvers. */
import 'reflect-metadata';
import type { GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { RequestContext } from '../src/context';
import { PSEUDONYMOUS_TYPES, shownId } from '../permissions/engine/shown-id';
import { buildSchema } from 'type-graphql';
import { enforcePolicy, type EnforcementOptions } from '../permissions';
import { AuditResolver } from './audit/audit.resolver';
import { ComplaintResolver } from './complaint/complaint.resolver';
import { ContactResolver } from './contact/contact.resolver';
import { CustomerResolver } from './customer/customer.resolver';
import { ErasureResolver } from './erasure/erasure.resolver';
import { GrantResolver } from './grant/grant.resolver';
import { IncidentResolver } from './governance/incident.resolver';
import { PartnerGovernanceResolver } from './governance/partner-governance.resolver';
import { AccessReviewResolver } from './governance/access-review.resolver';
import { AlertResolver } from './governance/alert.resolver';
import { PartnerResolver } from './partner/partner.resolver';
import { RelationshipResolver } from './relationship/relationship.resolver';
import { ReviewResolver } from './review/review.resolver';
import { DirectoryResolver } from './staff/directory.resolver';
import { ViewerResolver } from './staff/viewer.resolver';
import { TransactionResolver } from './transaction/transaction.resolver';
import { ContactDueResolver, ContactLogResolver, CustomerContactLogResolver } from './care/care.resolver';
import { StatisticsResolver } from './statistics/statistics.resolver';

export const RESOLVERS = [
  CustomerResolver, ContactResolver, TransactionResolver, ComplaintResolver, ViewerResolver, AuditResolver, PartnerResolver, RelationshipResolver, DirectoryResolver, ReviewResolver,
  ErasureResolver, GrantResolver, IncidentResolver, PartnerGovernanceResolver, AccessReviewResolver, AlertResolver,
  ContactLogResolver, ContactDueResolver, CustomerContactLogResolver, StatisticsResolver,
] as const;

let built: Promise<GraphQLSchema> | undefined;

/** The type-graphql schema as declared, without the policy: for emitting SDL and for tests of the policy itself. */
export function buildDeclaredSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers: RESOLVERS, validate: false }).then(showIds);
  return built;
}

/**
 * The ids of customers and their records as the caller is shown them (keyed pseudonyms for roles
 * with `pseudonymousIds`): a plain resolver on every row, without a field resolver's per-call wrapper.
 */
function showIds(schema: GraphQLSchema): GraphQLSchema {
  for (const type of PSEUDONYMOUS_TYPES) {
    const field = (schema.getType(type) as GraphQLObjectType).getFields().id;
    field.resolve = (row: { id: string }, _args: unknown, ctx: RequestContext) => shownId(ctx, type, row.id);
  }
  return schema;
}

/** The served schema: the declared one with the policy enforced on it. */
export async function buildAppSchema(options: EnforcementOptions = {}): Promise<GraphQLSchema> {
  return enforcePolicy(await buildDeclaredSchema(), options);
}
