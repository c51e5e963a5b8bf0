/** Adding, changing and removing a customer's contact persons. */
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Contact } from '../../src/db/entities';
import type { RequestContext } from '../../src/context';
import { ContactInput, UpdateContactInput } from './contact.inputs';
import { addContact, removeContact, updateContact } from './contact.service';

@Resolver(() => Contact)
export class ContactResolver {
  @Mutation(() => Contact)
  addContact(@Arg('customerId', () => ID) customerId: string, @Arg('input', () => ContactInput) input: ContactInput, @Ctx() ctx: RequestContext) {
    return addContact(ctx.db, customerId, input);
  }

  @Mutation(() => Contact)
  updateContact(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateContactInput) input: UpdateContactInput, @Ctx() ctx: RequestContext) {
    return updateContact(ctx.db, id, input);
  }

  @Mutation(() => ID, { description: 'The id of the removed contact' })
  removeContact(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return removeContact(ctx.db, id);
  }
}
