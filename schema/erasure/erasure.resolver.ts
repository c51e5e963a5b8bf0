/** The erasure flow's API; who may call what is permissions/erasure.ts (the services check it again). */
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { PageArgs } from '../common/connection';
import { approveErasure, cancelErasure, executeErasure, findDeletionRecords, findErasureRequests, rejectErasure, requestErasure } from './erasure.service';
import { DeletionRecordConnection, ErasureRequest, ErasureRequestConnection, ErasureRequestsArgs, RequestErasureInput } from './erasure.types';

@Resolver()
export class ErasureResolver {
  @Query(() => ErasureRequestConnection, { description: 'Erasure requests, newest first' })
  erasureRequests(@Args(() => ErasureRequestsArgs) args: ErasureRequestsArgs, @Ctx() ctx: RequestContext) {
    return findErasureRequests(ctx, args);
  }

  @Query(() => DeletionRecordConnection, { description: 'Deletion records, latest execution first: who requested, approved and executed, when, which categories — no value of the person' })
  deletionRecords(@Args(() => PageArgs) args: PageArgs, @Arg('customerId', () => ID, { nullable: true }) customerId: string | null, @Ctx() ctx: RequestContext) {
    return findDeletionRecords(ctx, { ...args, customerId });
  }

  @Mutation(() => ErasureRequest, { description: 'Opens a REQUESTED erasure (a service agent or a manager): nothing happens until a department head and the information-management head approve it' })
  requestErasure(@Arg('input', () => RequestErasureInput) input: RequestErasureInput, @Ctx() ctx: RequestContext) {
    return requestErasure(ctx, input);
  }

  @Mutation(() => ErasureRequest, { description: 'REQUESTED → DEPARTMENT_APPROVED: a manager other than the requester' })
  approveErasure(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return approveErasure(ctx, id, 'approve');
  }

  @Mutation(() => ErasureRequest, { description: 'DEPARTMENT_APPROVED → APPROVED: the designated information-management head, neither the requester nor the first approver' })
  approveErasureAsInformationHead(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return approveErasure(ctx, id, 'approveAsInformationHead');
  }

  @Mutation(() => ErasureRequest, { description: 'Ends the request instead of the approval it waits for (by whoever may give that approval); `reason` as for a request' })
  rejectErasure(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return rejectErasure(ctx, id, reason);
  }

  @Mutation(() => ErasureRequest, { description: 'Withdraws a request not yet executed: its requester only' })
  cancelErasure(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return cancelErasure(ctx, id);
  }

  @Mutation(() => ErasureRequest, {
    description: 'APPROVED → ERASED (keys destroyed, personal columns cleared) or RESTRICTED while a legal retention period runs: an administrator who took no other step',
  })
  executeErasure(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return executeErasure(ctx, id);
  }
}
