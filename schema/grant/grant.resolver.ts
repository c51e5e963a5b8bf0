/** Clear-access grants: request, decide (a second person), revoke, emergency and review, list; who may call what is in permissions/roles. */
import { Arg, Args, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { cancelClearAccess, decideClearAccess, findClearAccessGrants, inForce, nowOf, openEmergencyClearAccess, requestClearAccess, reviewEmergencyClearAccess, revokeClearAccess, valuesReleased } from './grant.service';
import { ClearAccessGrant, ClearAccessGrantConnection, ClearAccessGrantsArgs, EmergencyClearAccessInput, EmergencyReviewOutcome, RequestClearAccessInput } from './grant.types';

@Resolver(() => ClearAccessGrant)
export class GrantResolver {
  @Query(() => ClearAccessGrantConnection, { description: 'Clear-access grants, newest request first' })
  clearAccessGrants(@Args(() => ClearAccessGrantsArgs) args: ClearAccessGrantsArgs, @Ctx() ctx: RequestContext) {
    return findClearAccessGrants(ctx, args);
  }

  @FieldResolver(() => Boolean)
  inForce(@Root() grant: ClearAccessGrant, @Ctx() ctx: RequestContext) {
    return inForce(grant, nowOf(ctx));
  }

  @FieldResolver(() => Int)
  valuesReleased(@Root() grant: ClearAccessGrant, @Ctx() ctx: RequestContext) {
    return valuesReleased(ctx, grant);
  }

  @Mutation(() => ClearAccessGrant, { description: 'A PENDING request for clear access to named fields of one customer: nothing is served clear until a second person approves it' })
  requestClearAccess(@Arg('input', () => RequestClearAccessInput) input: RequestClearAccessInput, @Ctx() ctx: RequestContext) {
    return requestClearAccess(ctx, input);
  }

  @Mutation(() => ClearAccessGrant, { description: 'Puts the grant in force from now for its minutes: another manager or the information-management head, never the requester' })
  approveClearAccess(@Arg('id', () => ID) id: string, @Arg('note', () => String, { nullable: true }) note: string | null, @Ctx() ctx: RequestContext) {
    return decideClearAccess(ctx, id, true, note);
  }

  @Mutation(() => ClearAccessGrant, { description: 'Closes the request; `note` says why' })
  rejectClearAccess(@Arg('id', () => ID) id: string, @Arg('note', () => String) note: string, @Ctx() ctx: RequestContext) {
    return decideClearAccess(ctx, id, false, note);
  }

  @Mutation(() => ClearAccessGrant, { description: 'Withdraws a pending request: its requester only' })
  cancelClearAccess(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return cancelClearAccess(ctx, id);
  }

  @Mutation(() => ClearAccessGrant, { description: 'Ends an approved grant at once: an approver, or the grantee' })
  revokeClearAccess(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return revokeClearAccess(ctx, id, reason);
  }

  @Mutation(() => ClearAccessGrant, { description: 'Break-glass: clear access in force at once for the policy’s short time, approvers alerted, to be reviewed; refused while an earlier one of the caller is unreviewed' })
  openEmergencyClearAccess(@Arg('input', () => EmergencyClearAccessInput) input: EmergencyClearAccessInput, @Ctx() ctx: RequestContext) {
    return openEmergencyClearAccess(ctx, input);
  }

  @Mutation(() => ClearAccessGrant, { description: 'The review an emergency grant needs: another approver, never the grantee' })
  reviewEmergencyClearAccess(
    @Arg('id', () => ID) id: string,
    @Arg('outcome', () => EmergencyReviewOutcome) outcome: EmergencyReviewOutcome,
    @Arg('note', () => String) note: string,
    @Ctx() ctx: RequestContext,
  ) {
    return reviewEmergencyClearAccess(ctx, id, outcome, note);
  }
}
