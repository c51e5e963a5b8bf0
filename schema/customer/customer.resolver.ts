/** Customer queries, mutations and the relations hanging off a customer. */
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Customer, StaffMember } from '../../src/db/entities';
import type { RequestContext } from '../../src/context';
import { recordProbeMatches, requireWriteCondition, storageOutcome } from '../../permissions';
import { checkPageArgs } from '../../src/loaders/paging';
import { plannedNodeNeeds, selectedNodeFields } from '../../src/loaders/selection';
import { connectionType, PageArgs } from '../common/connection';
import { requireUuid } from '../../src/input-errors';
import { ComplaintConnection } from '../complaint/complaint.connection';
import { ComplaintsArgs } from '../complaint/complaint.inputs';
import { ContactConnection } from '../contact/contact.connection';
import { TransactionConnection } from '../transaction/transaction.connection';
import { TransactionsArgs } from '../transaction/transaction.inputs';
import { CreateCustomerInput, CustomersArgs, UpdateCustomerInput } from './customer.inputs';
import { createCustomer, findCustomers, updateCustomer } from './customer.service';
import { MoneyRange } from './generalised';
import { birthYearOf, birthYearOfMasked, moneyRangeOf, moneyRangeOfMasked } from '../../permissions/masks';
import { storedMaskedForm } from '../../src/crypto/sealed-rows';
import { complaintConditions } from '../complaint/complaint.service';
import { transactionConditions } from '../transaction/transaction.service';

export const CustomerConnection = connectionType('Customer', Customer);

@Resolver(() => Customer)
export class CustomerResolver {
  @Query(() => Customer, { nullable: true })
  customer(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return ctx.loaders.customerById.load(requireUuid(id, 'id'));
  }

  @Query(() => CustomerConnection)
  customers(@Args(() => CustomersArgs) args: CustomersArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    // A lookup by ID number or phone names the customers it matched: registered as received (incidents, access history).
    return findCustomers(ctx.db, args, plannedNodeNeeds(info, (path) => storageOutcome(ctx, path))).then((page) => {
      recordProbeMatches(ctx, info, page.edges.map((e) => e.node.id));
      return page;
    });
  }

  @FieldResolver(() => Int, { nullable: true, description: 'The year of birthDate; where birthDate is masked (null) the year is here' })
  birthYear(@Root() customer: Customer) {
    // From the stored masked form where the row has one: a generalisation never needs the clear value.
    const masked = storedMaskedForm(customer, 'birthDate');
    return masked !== undefined ? birthYearOfMasked(masked) : birthYearOf(customer.birthDate);
  }

  @FieldResolver(() => MoneyRange, { nullable: true, description: 'The bucket of annualIncome; where annualIncome is masked (null) the bucket is here' })
  annualIncomeRange(@Root() customer: Customer) {
    const masked = storedMaskedForm(customer, 'annualIncome');
    return masked !== undefined ? moneyRangeOfMasked(masked) : moneyRangeOf(customer.annualIncome);
  }

  @FieldResolver(() => MoneyRange, { nullable: true, description: 'The bucket of totalAssets; where totalAssets is masked (null) the bucket is here' })
  totalAssetsRange(@Root() customer: Customer) {
    const masked = storedMaskedForm(customer, 'totalAssets');
    return masked !== undefined ? moneyRangeOfMasked(masked) : moneyRangeOf(customer.totalAssets);
  }

  @FieldResolver(() => StaffMember, { nullable: true })
  relationshipManager(@Root() customer: Customer, @Ctx() ctx: RequestContext) {
    return customer.relationshipManagerId ? ctx.loaders.staffById.load(customer.relationshipManagerId) : null;
  }

  // Nested lists are nullable: one that fails (or that the policy withholds) must not null its customer.
  @FieldResolver(() => ContactConnection, { nullable: true })
  contacts(@Root() customer: Customer, @Args(() => PageArgs) args: PageArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    checkPageArgs(ctx.db, 'contacts', args);
    return ctx.loaders.contactsPage.load({ parentId: customer.id, first: args.first, after: args.after, fields: selectedNodeFields(info) });
  }

  @FieldResolver(() => TransactionConnection, { nullable: true, description: 'Newest first' })
  transactions(@Root() customer: Customer, @Args(() => TransactionsArgs) args: TransactionsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    checkPageArgs(ctx.db, 'transactions', args, (filter, params) => transactionConditions(filter, params, true));
    return ctx.loaders.transactionsPage.load({ parentId: customer.id, first: args.first, after: args.after, filter: args.filter, fields: selectedNodeFields(info) });
  }

  @FieldResolver(() => ComplaintConnection, { nullable: true, description: 'Newest first' })
  complaints(@Root() customer: Customer, @Args(() => ComplaintsArgs) args: ComplaintsArgs, @Ctx() ctx: RequestContext) {
    checkPageArgs(ctx.db, 'complaints', args, (filter, params) => complaintConditions(filter, params, true));
    return ctx.loaders.complaintsPage.load({ parentId: customer.id, first: args.first, after: args.after, filter: args.filter });
  }

  @Mutation(() => Customer)
  async createCustomer(@Arg('input', () => CreateCustomerInput) input: CreateCustomerInput, @Ctx() ctx: RequestContext) {
    const customer = await createCustomer(ctx, input);
    ctx.loaders.customerById.prime(customer.id, customer);
    return customer;
  }

  @Mutation(() => Customer)
  async updateCustomer(
    @Arg('id', () => ID) id: string,
    @Arg('input', () => UpdateCustomerInput) input: UpdateCustomerInput,
    @Ctx() ctx: RequestContext,
  ) {
    await requireWriteCondition(ctx, 'updateCustomer', { customerId: id });
    const customer = await updateCustomer(ctx.db, id, input);
    // Later fields of the same request must see the new values, not the loader's cached ones.
    ctx.loaders.customerById.clear(customer.id).prime(customer.id, customer);
    return customer;
  }
}
