/** Complaint queries, filing a complaint, and a complaint's customer, assignee and timeline. */
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Complaint, ComplaintEvent, Customer, StaffMember } from '../../src/db/entities';
import type { RequestContext } from '../../src/context';
import { ComplaintConnection } from './complaint.connection';
import {
  AcknowledgeComplaintInput, AssignComplaintInput, CloseComplaintInput, ComplaintNoteInput, ComplaintReasonInput, ComplaintsArgs, ComplaintSatisfactionInput, ComplaintWorklistArgs,
  FileComplaintInput, ResolveComplaintInput, StartComplaintInvestigationInput,
} from './complaint.inputs';
import { assignComplaint, fileComplaint, findComplaint, findComplaints } from './complaint.service';
import { ComplaintMessage } from './complaint-message.types';
import { complaintWorklist } from './worklist.service';
import {
  acknowledgeComplaint, closeComplaint, escalateComplaint, explainComplaintDelay, recordComplaintSatisfaction, reopenComplaint, reportComplaintProgress,
  resolveComplaint, startComplaintInvestigation,
} from './steps.service';

/** After a step: later fields of the request read the complaint as it is now. */
function stepped(ctx: RequestContext, complaint: Complaint): Complaint {
  ctx.loaders.complaintsPage.clearAll();
  ctx.loaders.complaintById.clear(complaint.id);
  ctx.loaders.complaintTimeline.clear(complaint.id);
  ctx.loaders.complaintMessages.clear(complaint.id);
  return complaint;
}

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

  @Query(() => [Complaint], { description: 'Complaints still worked that are near or past their due time, or past the interim deadline with no progress; soonest due first. Service agents: their own' })
  complaintWorklist(@Args(() => ComplaintWorklistArgs) args: ComplaintWorklistArgs, @Ctx() ctx: RequestContext) {
    return complaintWorklist(ctx, args);
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

  @FieldResolver(() => StaffMember, { nullable: true, description: 'Handling plan: who owns it' })
  handlingOwner(@Root() complaint: Complaint, @Ctx() ctx: RequestContext) {
    return complaint.handlingOwnerId ? ctx.loaders.staffById.load(complaint.handlingOwnerId) : null;
  }

  @FieldResolver(() => [ComplaintMessage], { description: 'Messages to the customer and their delivery, oldest first' })
  messages(@Root() complaint: Complaint, @Ctx() ctx: RequestContext) {
    return ctx.loaders.complaintMessages.load(complaint.id);
  }

  @Mutation(() => Complaint, { description: 'Starts the 7-day clock; the timeline records the acknowledgement' })
  async fileComplaint(@Arg('input', () => FileComplaintInput) input: FileComplaintInput, @Ctx() ctx: RequestContext) {
    const complaint = await fileComplaint(ctx, input);
    ctx.loaders.complaintsPage.clearAll(); // later fields of this request see it
    return complaint;
  }

  @Mutation(() => Complaint, { description: 'Managers: assign or reassign a complaint being worked to a service agent (never to themselves)' })
  async assignComplaint(@Arg('input', () => AssignComplaintInput) input: AssignComplaintInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await assignComplaint(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'RECEIVED → ACKNOWLEDGED: tells the customer its number, the expected time and the method of the answer' })
  async acknowledgeComplaint(@Arg('input', () => AcknowledgeComplaintInput) input: AcknowledgeComplaintInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await acknowledgeComplaint(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'ASSIGNED → INVESTIGATING with the handling plan (service: their assigned complaints); the customer hears of progress' })
  async startComplaintInvestigation(@Arg('input', () => StartComplaintInvestigationInput) input: StartComplaintInvestigationInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await startComplaintInvestigation(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'A progress note while INVESTIGATING; the customer is told it is being worked' })
  async reportComplaintProgress(@Arg('input', () => ComplaintNoteInput) input: ComplaintNoteInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await reportComplaintProgress(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'Why it takes longer than 7 days: required before the due time passes on a complaint still worked; sent to the customer' })
  async explainComplaintDelay(@Arg('input', () => ComplaintReasonInput) input: ComplaintReasonInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await explainComplaintDelay(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'INVESTIGATING → RESOLVED with the investigation report; the resolution is sent to the customer' })
  async resolveComplaint(@Arg('input', () => ResolveComplaintInput) input: ResolveComplaintInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await resolveComplaint(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'RESOLVED → CLOSED: managers' })
  async closeComplaint(@Arg('input', () => CloseComplaintInput) input: CloseComplaintInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await closeComplaint(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'The follow-up survey on a RESOLVED or CLOSED complaint; 1 or 2 reopens it' })
  async recordComplaintSatisfaction(@Arg('input', () => ComplaintSatisfactionInput) input: ComplaintSatisfactionInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await recordComplaintSatisfaction(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'RESOLVED or CLOSED → INVESTIGATING (RECEIVED without a handler), a new 7-day clock: managers' })
  async reopenComplaint(@Arg('input', () => ComplaintReasonInput) input: ComplaintReasonInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await reopenComplaint(ctx, input));
  }

  @Mutation(() => Complaint, { description: 'Raises a complaint still worked to managers\' attention (urgency URGENT): managers' })
  async escalateComplaint(@Arg('input', () => ComplaintReasonInput) input: ComplaintReasonInput, @Ctx() ctx: RequestContext) {
    return stepped(ctx, await escalateComplaint(ctx, input));
  }
}
