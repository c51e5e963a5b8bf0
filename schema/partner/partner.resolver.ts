/** Partner onboarding (admin) and consent (staff); who may call what is in permissions/roles. */
import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { SCOPES } from '../../permissions/scopes';
import {
  issuePartnerToken, listConsents, listPartnerOperations, listPartners, listPartnerTokens, recordConsent, registerPartner,
  registerPartnerOperation, revokeConsent, revokePartnerToken, rotatePartnerToken, setPartnerAllowList,
} from './partner.service';
import {
  Consent, IssuedPartnerToken, IssuePartnerTokenInput, Partner, PartnerOperation, PartnerScope, PartnerToken, RecordConsentInput,
  RegisterPartnerInput, RegisterPartnerOperationInput,
} from './partner.types';

@Resolver()
export class PartnerResolver {
  @Query(() => [Partner])
  partners(@Ctx() ctx: RequestContext) {
    return listPartners(ctx);
  }

  @Query(() => [PartnerScope], { description: 'The scope vocabulary of partner tokens' })
  partnerScopes(): PartnerScope[] {
    return Object.entries(SCOPES).map(([name, grant]) => ({ name, description: grant.description }));
  }

  @Query(() => [PartnerToken], { description: "A partner's tokens, newest first (never the tokens themselves)" })
  partnerTokens(@Arg('partnerId', () => ID) partnerId: string, @Ctx() ctx: RequestContext) {
    return listPartnerTokens(ctx, partnerId);
  }

  @Query(() => [PartnerOperation])
  partnerOperations(@Arg('partnerId', () => ID) partnerId: string, @Ctx() ctx: RequestContext) {
    return listPartnerOperations(ctx, partnerId);
  }

  @Query(() => [Consent], { description: "A customer's consents, active and ended, newest first" })
  consents(@Arg('customerId', () => ID) customerId: string, @Ctx() ctx: RequestContext) {
    return listConsents(ctx, customerId);
  }

  @Mutation(() => Partner)
  registerPartner(@Arg('input', () => RegisterPartnerInput) input: RegisterPartnerInput, @Ctx() ctx: RequestContext) {
    return registerPartner(ctx, input);
  }

  @Mutation(() => Partner, { description: 'Restrict the partner to its registered operations (or lift that)' })
  setPartnerAllowList(@Arg('partnerId', () => ID) partnerId: string, @Arg('allowListOnly', () => Boolean) allowListOnly: boolean, @Ctx() ctx: RequestContext) {
    return setPartnerAllowList(ctx, partnerId, allowListOnly);
  }

  @Mutation(() => IssuedPartnerToken, { description: 'The token is in the answer only: store it now' })
  issuePartnerToken(@Arg('input', () => IssuePartnerTokenInput) input: IssuePartnerTokenInput, @Ctx() ctx: RequestContext) {
    return issuePartnerToken(ctx, input);
  }

  @Mutation(() => PartnerToken, { description: 'Refused from the very next request on' })
  revokePartnerToken(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return revokePartnerToken(ctx, id);
  }

  @Mutation(() => IssuedPartnerToken, { description: 'A new token with the same scopes; the old one is revoked' })
  rotatePartnerToken(@Arg('id', () => ID) id: string, @Ctx() ctx: RequestContext) {
    return rotatePartnerToken(ctx, id);
  }

  @Mutation(() => PartnerOperation)
  registerPartnerOperation(@Arg('input', () => RegisterPartnerOperationInput) input: RegisterPartnerOperationInput, @Ctx() ctx: RequestContext) {
    return registerPartnerOperation(ctx, input);
  }

  @Mutation(() => Consent)
  recordConsent(@Arg('input', () => RecordConsentInput) input: RecordConsentInput, @Ctx() ctx: RequestContext) {
    return recordConsent(ctx, input);
  }

  @Mutation(() => Consent, { description: 'Ends the consent now; the record stays' })
  revokeConsent(
    @Arg('id', () => ID) id: string,
    @Arg('reason', () => String, { nullable: true, description: 'Why (1–500 characters), e.g. the customer withdrew it at the branch' }) reason: string | null | undefined,
    @Ctx() ctx: RequestContext,
  ) {
    return revokeConsent(ctx, id, reason);
  }
}
