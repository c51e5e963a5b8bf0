/** Relationship care: log a contact, read a customer's log, the contacts-due worklist; who may call what is in permissions/roles. */
import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { Customer, StaffMember } from '../../src/db/entities';
import { requireWriteCondition } from '../../permissions';
import { CONTACT_LOG_SHOWN, contactsDue, logCustomerContact } from './care.service';
import { ContactDue, ContactLogEntry, ContactsDueArgs, LogCustomerContactInput } from './care.types';

@Resolver(() => ContactLogEntry)
export class ContactLogResolver {
  @Mutation(() => ContactLogEntry, { description: 'Logs a contact with a customer (sales: their own customers)' })
  async logCustomerContact(@Arg('input', () => LogCustomerContactInput) input: LogCustomerContactInput, @Ctx() ctx: RequestContext) {
    await requireWriteCondition(ctx, 'logCustomerContact', { customerId: input.customerId });
    return logCustomerContact(ctx, input);
  }

  @Query(() => [ContactDue], { description: 'Customers due a contact (key: monthly, general: quarterly), longest overdue first; sales: their own' })
  contactsDue(@Args(() => ContactsDueArgs) args: ContactsDueArgs, @Ctx() ctx: RequestContext) {
    return contactsDue(ctx, args);
  }

  @FieldResolver(() => StaffMember, { nullable: true })
  staff(@Root() entry: ContactLogEntry, @Ctx() ctx: RequestContext) {
    return ctx.loaders.staffById.load(entry.staffId);
  }
}

@Resolver(() => ContactDue)
export class ContactDueResolver {
  @FieldResolver(() => Customer, { nullable: true })
  customer(@Root() due: ContactDue, @Ctx() ctx: RequestContext) {
    return ctx.loaders.customerById.load(due.customerId);
  }
}

@Resolver(() => Customer)
export class CustomerContactLogResolver {
  @FieldResolver(() => [ContactLogEntry], { description: 'Contacts with the customer, newest first (the latest 50)' })
  async contactLog(@Root() customer: Customer, @Ctx() ctx: RequestContext) {
    return (await ctx.loaders.contactLogs.load(customer.id)).slice(0, CONTACT_LOG_SHOWN);
  }
}
