/** `me`: who the API thinks is calling, from the verified token. */
import { Ctx, Field, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import type { Role } from '../../src/auth/principal';
import { StaffMember } from '../../src/db/entities';
import type { RequestContext } from '../../src/context';
import { isUuid } from '../../src/input-errors';

/** The token roles, as GraphQL names (ADMIN) over the claim values (admin). */
export enum PrincipalRole {
  ADMIN = 'admin', MANAGER = 'manager', SALES = 'sales', SERVICE = 'service',
  ANALYST = 'analyst', AUDITOR = 'auditor', PARTNER = 'partner',
  /** Only in the register: a failed authentication whose token did not say who it was. */
  ANONYMOUS = 'anonymous',
}
registerEnumType(PrincipalRole, {
  name: 'PrincipalRole',
  description: 'The role claim of a bearer token',
  valuesConfig: { ANONYMOUS: { description: 'Register only: a failed authentication by a token that named no verifiable principal' } },
});

@ObjectType('Viewer', { description: 'The caller: the bearer token as the directory resolved it (a staff member’s sub is their staff id)' })
export class Viewer {
  @Field(() => String)
  sub!: string;

  @Field(() => PrincipalRole)
  role!: Role;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => String, { nullable: true })
  partnerId!: string | null;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => StaffMember, { nullable: true, description: 'The caller’s staff record (null for partners)' })
  staffMember!: Promise<StaffMember | null> | null;
}

@Resolver()
export class ViewerResolver {
  @Query(() => Viewer)
  me(@Ctx() ctx: RequestContext): Viewer {
    const { sub, role, scopes, partnerId, expiresAt } = ctx.principal;
    return {
      sub,
      role,
      scopes,
      partnerId,
      expiresAt,
      staffMember: isUuid(sub) ? ctx.loaders.staffById.load(sub.toLowerCase()) : null,
    };
  }
}
