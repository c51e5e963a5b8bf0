/** Complaint queries, filing a complaint, and a complaint's customer, assignee and timeline. */
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Complaint, ComplaintEvent, Customer, StaffMember } from '../../src/db/entities';
import type { RequestContext } from '../../src/context';
import { ComplaintConnection } from './complaint.connection';
import { AssignComplaintInput, ComplaintsArgs, FileComplaintInput } from './complaint.inputs';
import { assignComplaint, fileComplaint, findComplaint, findComplaints } from './complaint.service';

@Resolver(() => Complaint)
export class ComplaintResolver {
  @Query(() => Complaint, { nullable: true })
  complaint(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return findComplaint(ctx.db, id);
  }

  @Query(() => ComplaintConnection, { description: 'Newest first' })
  complaints(@Args(() => ComplaintsArgs) args: ComplaintsArgs, @Ctx() ctx: RequestContext) {
    return findComplaints(ctx.db, args);
  }

  @FieldResolver(() => Customer, { nullable: true })
  customer(@Root() complaint: Complaint, @Ctx() ctx: RequestContext) {
    return ctx.loaders.customerById.load(complaint.customerId);
  }

  @FieldResolver(() => StaffMember, { nullable: true })
  assignee(@Root() complaint: Complaint, @Ctx() ctx: RequestContext) {
    return complaint.assigneeId ? ctx.loaders.staffById.load(complaint.assigneeId) : null;
  }

  @FieldResolver(() => [ComplaintEvent], { description: 'Oldest first' })
  timeline(@Root() complaint: Complaint, @Ctx() ctx: RequestContext) {
    return ctx.loaders.complaintTimeline.load(complaint.id);
  }

  @Mutation(() => Complaint, { description: 'Starts the 7-day clock; the timeline records the acknowledgement' })
  async fileComplaint(@Arg('input', () => FileComplaintInput) input: FileComplaintInput, @Ctx() ctx: RequestContext) {
    const complaint = await fileComplaint(ctx.db, input, ctx.principal.sub);
    ctx.loaders.complaintsPage.clearAll(); // later fields of this request see it
    return complaint;
  }

  @Mutation(() => Complaint, { description: 'Managers: assign or reassign a complaint being worked to a service agent (never to themselves)' })
  async assignComplaint(@Arg('input', () => AssignComplaintInput) input: AssignComplaintInput, @Ctx() ctx: RequestContext) {
    const complaint = await assignComplaint(ctx.db, input, ctx.principal.sub);
    ctx.loaders.complaintsPage.clearAll();
    ctx.loaders.complaintById.clear(complaint.id);
    ctx.loaders.complaintTimeline.clear(complaint.id);
    return complaint;
  }
}
