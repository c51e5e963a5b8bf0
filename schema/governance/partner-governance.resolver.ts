/** Partner governance: agreements (recorded by an administrator, approved by the information-management head), termination, supervision. */
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { decidePartnerAgreement, listPartnerAgreements, partnerSupervisionReport, recordPartnerAgreement, terminatePartner } from './partner-governance.service';
import { PartnerAgreement, PartnerSupervision, PartnerTermination, RecordPartnerAgreementInput } from './partner-governance.types';

@Resolver()
export class PartnerGovernanceResolver {
  @Query(() => [PartnerAgreement], { description: 'Agreements, newest first' })
  partnerAgreements(@Arg('partnerId', () => String, { nullable: true }) partnerId: string | null, @Ctx() ctx: RequestContext) {
    return listPartnerAgreements(ctx, partnerId);
  }

  @Mutation(() => PartnerAgreement, { description: 'A PENDING agreement (reference, risk assessment date, next review date): no token until it is approved' })
  recordPartnerAgreement(@Arg('input', () => RecordPartnerAgreementInput) input: RecordPartnerAgreementInput, @Ctx() ctx: RequestContext) {
    return recordPartnerAgreement(ctx, input);
  }

  @Mutation(() => PartnerAgreement, { description: 'The designated information-management head, never who recorded it' })
  approvePartnerAgreement(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return decidePartnerAgreement(ctx, id, true);
  }

  @Mutation(() => PartnerAgreement)
  rejectPartnerAgreement(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return decidePartnerAgreement(ctx, id, false);
  }

  @Mutation(() => PartnerTermination, { description: 'Ends the partnership at once: deactivated for good, every token revoked, every consent ended' })
  terminatePartner(@Arg('id', () => String) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return terminatePartner(ctx, id, reason);
  }

  @Query(() => [PartnerSupervision], { description: 'Per partner over [from, to): volume, refusals, values, customers, budget used today, alerts, consents, review state' })
  partnerSupervisionReport(@Arg('from', () => Date) from: Date, @Arg('to', () => Date) to: Date, @Ctx() ctx: RequestContext) {
    return partnerSupervisionReport(ctx, from, to);
  }
}
