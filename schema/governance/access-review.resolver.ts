/** The periodic access review: the lines (auditors, administrators) and the decisions (administrators). */
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { accessReview, decideAccessReview, listAccessReviewDecisions } from './access-review.service';
import { AccessReviewDecision, AccessReviewDecisionInput, AccessReviewLine } from './access-review.types';
import { nowOf } from '../grant/grant.service';

@Resolver()
export class AccessReviewResolver {
  @Query(() => [AccessReviewLine], { description: 'One line per staff member and partner: what it holds and did over the review period; unused ones first' })
  accessReview(@Ctx() ctx: RequestContext) {
    return accessReview(ctx.db, nowOf(ctx));
  }

  @Query(() => [AccessReviewDecision], { description: 'Decisions taken, newest first' })
  accessReviewDecisions(@Ctx() ctx: RequestContext) {
    return listAccessReviewDecisions(ctx);
  }

  @Mutation(() => AccessReviewDecision, { description: 'Keep, revoke or change one line: carried out through the directory at once, and recorded' })
  decideAccessReview(@Arg('input', () => AccessReviewDecisionInput) input: AccessReviewDecisionInput, @Ctx() ctx: RequestContext) {
    return decideAccessReview(ctx, input);
  }
}
