/** Transaction queries, recording a transaction, and Transaction.customer. */
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { plannedNodeNeeds } from '../../src/loaders/selection';
import { Customer, Transaction } from '../../src/db/entities';
import type { RequestContext } from '../../src/context';
import { requireWriteCondition, storageOutcome } from '../../permissions';
import { TransactionConnection } from './transaction.connection';
import { RecordTransactionInput, TransactionsArgs } from './transaction.inputs';
import { findTransaction, findTransactions, recordTransaction } from './transaction.service';

@Resolver(() => Transaction)
export class TransactionResolver {
  @Query(() => Transaction, { nullable: true })
  transaction(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return findTransaction(ctx.db, id);
  }

  @Query(() => TransactionConnection, { description: 'Newest first' })
  transactions(@Args(() => TransactionsArgs) args: TransactionsArgs, @Ctx() ctx: RequestContext, @Info() info: GraphQLResolveInfo) {
    return findTransactions(ctx.db, args, plannedNodeNeeds(info, (path) => storageOutcome(ctx, path)));
  }

  @FieldResolver(() => Customer, { nullable: true })
  customer(@Root() transaction: Transaction, @Ctx() ctx: RequestContext) {
    return ctx.loaders.customerById.load(transaction.customerId);
  }

  @Mutation(() => Transaction)
  async recordTransaction(@Arg('input', () => RecordTransactionInput) input: RecordTransactionInput, @Ctx() ctx: RequestContext) {
    await requireWriteCondition(ctx, 'recordTransaction', { customerId: input.customerId });
    const transaction = await recordTransaction(ctx.db, input);
    ctx.loaders.transactionsPage.clearAll(); // later fields of this request see it
    return transaction;
  }
}
