/** De-duplication reviews of new customers: list and resolve; who may call what is in permissions/roles. */
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { findCustomerReviews, resolveCustomerReview } from './review.service';
import { CustomerDuplicateReview, CustomerDuplicateReviewConnection, CustomerReviewDecision, CustomerReviewsArgs } from './review.types';

@Resolver()
export class ReviewResolver {
  @Query(() => CustomerDuplicateReviewConnection, { description: 'Newest first' })
  customerReviews(@Args(() => CustomerReviewsArgs) args: CustomerReviewsArgs, @Ctx() ctx: RequestContext) {
    return findCustomerReviews(ctx, args);
  }

  @Mutation(() => CustomerDuplicateReview, { description: 'Keeps, merges or rejects a customer awaiting review; the decider is never its creator. `note` (1–500 characters) is required to reject' })
  resolveCustomerReview(
    @Arg('id', () => ID) id: string,
    @Arg('decision', () => CustomerReviewDecision) decision: CustomerReviewDecision,
    @Arg('note', () => String, { nullable: true }) note: string | null,
    @Ctx() ctx: RequestContext,
  ) {
    return resolveCustomerReview(ctx, id, decision, note);
  }
}
