/** The directory API (administrators): staff members and partners, deactivation, token revocation. */
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { StaffDesignation, StaffMember, StaffRole } from '../../src/db/entities';
import { Partner } from '../partner/partner.types';
import { listStaff, revokeStaffTokens, setPartnerActive, setStaffActive, setStaffDesignations } from './directory.service';

@Resolver()
export class DirectoryResolver {
  @Query(() => [StaffMember], { description: 'Staff members, by role then username' })
  staffMembers(
    @Arg('role', () => StaffRole, { nullable: true }) role: StaffRole | null,
    @Arg('active', () => Boolean, { nullable: true }) active: boolean | null,
    @Ctx() ctx: RequestContext,
  ) {
    return listStaff(ctx, { role, active });
  }

  @Mutation(() => StaffMember, { description: 'Refuses every token of the member from the next request on (an employee leaves, an account is compromised)' })
  deactivateStaffMember(@Arg('id', () => ID, { description: 'Staff id or username' }) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return setStaffActive(ctx, id, false, reason);
  }

  @Mutation(() => StaffMember, { description: 'Serves the member again; tokens issued before the deactivation stay refused' })
  activateStaffMember(@Arg('id', () => ID, { description: 'Staff id or username' }) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return setStaffActive(ctx, id, true, reason);
  }

  @Mutation(() => StaffMember, { description: 'Every token the member holds now is refused from the next request on' })
  revokeStaffTokens(@Arg('id', () => ID, { description: 'Staff id or username' }) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return revokeStaffTokens(ctx, id, reason);
  }

  @Mutation(() => StaffMember, { description: 'Sets the member’s designations (replacing them): an administrator, never for themselves; the information-management head must be a manager' })
  setStaffDesignations(
    @Arg('id', () => ID, { description: 'Staff id or username' }) id: string,
    @Arg('designations', () => [StaffDesignation]) designations: StaffDesignation[],
    @Arg('reason', () => String) reason: string,
    @Ctx() ctx: RequestContext,
  ) {
    return setStaffDesignations(ctx, id, designations, reason);
  }

  @Mutation(() => Partner, { description: 'Refuses every token of the partner from the next request on (a breach, an ended agreement)' })
  deactivatePartner(@Arg('id', () => String) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return setPartnerActive(ctx, id, false, reason);
  }

  @Mutation(() => Partner, { description: 'Serves the partner’s unrevoked, unexpired tokens again' })
  activatePartner(@Arg('id', () => String) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: RequestContext) {
    return setPartnerActive(ctx, id, true, reason);
  }
}
