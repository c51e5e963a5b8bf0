/** Adding, changing and removing a customer's contact persons (cached contact pages are dropped after each). */
import { Arg, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Contact } from '../../src/db/entities';
import type { RequestContext } from '../../src/context';
import { requireWriteCondition } from '../../permissions';
import { ContactInput, UpdateContactInput } from './contact.inputs';
import { addContact, removeContact, updateContact } from './contact.service';

@Resolver(() => Contact)
export class ContactResolver {
  @Mutation(() => Contact)
  async addContact(@Arg('customerId', () => ID) customerId: string, @Arg('input', () => ContactInput) input: ContactInput, @Ctx() ctx: RequestContext) {
    await requireWriteCondition(ctx, 'addContact', { customerId });
    const contact = await addContact(ctx.db, customerId, input);
    ctx.loaders.contactsPage.clearAll();
    return contact;
  }

  @Mutation(() => Contact)
  async updateContact(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateContactInput) input: UpdateContactInput, @Ctx() ctx: RequestContext) {
    await requireWriteCondition(ctx, 'updateContact', { contactId: id });
    const contact = await updateContact(ctx.db, id, input);
    ctx.loaders.contactsPage.clearAll();
    return contact;
  }

  @Mutation(() => ID, { description: 'The id of the removed contact' })
  async removeContact(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    await requireWriteCondition(ctx, 'removeContact', { contactId: id });
    const removed = await removeContact(ctx.db, id);
    ctx.loaders.contactsPage.clearAll();
    return removed;
  }
}
