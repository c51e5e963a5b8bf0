/** Relationship-manager changes: request, decide (a second manager), cancel, list; who may call what is in permissions/roles. */
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { requireWriteCondition } from '../../permissions';
import { cancelRelationshipManagerChange, decideRelationshipManagerChange, findRelationshipManagerChanges, requestRelationshipManagerChange } from './relationship.service';
import { RelationshipManagerChange, RelationshipManagerChangeConnection, RelationshipManagerChangesArgs, RequestRelationshipManagerChangeInput } from './relationship.types';

@Resolver()
export class RelationshipResolver {
  @Query(() => RelationshipManagerChangeConnection, { description: 'Newest first' })
  relationshipManagerChanges(@Args(() => RelationshipManagerChangesArgs) args: RelationshipManagerChangesArgs, @Ctx() ctx: RequestContext) {
    return findRelationshipManagerChanges(ctx, args);
  }

  @Mutation(() => RelationshipManagerChange, { description: 'A PENDING request: nothing changes until a second manager approves it' })
  async requestRelationshipManagerChange(@Arg('input', () => RequestRelationshipManagerChangeInput) input: RequestRelationshipManagerChangeInput, @Ctx() ctx: RequestContext) {
    // Sales: only for their own customers (the role's write grant carries the condition).
    await requireWriteCondition(ctx, 'requestRelationshipManagerChange', { customerId: input.customerId });
    return requestRelationshipManagerChange(ctx, input);
  }

  @Mutation(() => RelationshipManagerChange, { description: 'Moves the customer to the requested relationship manager; the decider is neither the requester nor the new relationship manager' })
  approveRelationshipManagerChange(@Arg('id', () => ID) id: string, @Arg('note', () => String, { nullable: true }) note: string | null, @Ctx() ctx: RequestContext) {
    return decideRelationshipManagerChange(ctx, id, true, note);
  }

  @Mutation(() => RelationshipManagerChange, { description: 'Closes the request without a change; `note` (1–500 characters) says why' })
  rejectRelationshipManagerChange(@Arg('id', () => ID) id: string, @Arg('note', () => String) note: string, @Ctx() ctx: RequestContext) {
    return decideRelationshipManagerChange(ctx, id, false, note);
  }

  @Mutation(() => RelationshipManagerChange, { description: 'Withdraws a pending request: its requester only' })
  cancelRelationshipManagerChange(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return cancelRelationshipManagerChange(ctx, id);
  }
}
