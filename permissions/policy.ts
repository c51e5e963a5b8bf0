/**
 * The policy: classification + one file per role. The single source of truth that the shield
 * rules, the masking, the query plan, the docs table and the tests are derived from.
 */
import { createHash } from 'node:crypto';
import type { Role } from './vocabulary';
import { CLASSIFICATION, REVEALING_INPUTS } from './classification';
import { CLEAR_ACCESS_GRANTS } from './clear-access-grants';
import { ACCESS_REVIEW, ALERT_RULES, INCIDENTS, PARTNER_GOVERNANCE } from './governance';
import { RELATIONSHIP_GRANTS } from './relationship-grants';
import { COMPLAINT_STEPS } from './complaint-workflow';
import { DEFAULT_MINIMUM_CUSTOMERS, STATISTICS_GRANTS } from './statistics';
import { adminRole } from './roles/admin.role';
import { analystRole } from './roles/analyst.role';
import { auditorRole } from './roles/auditor.role';
import { managerRole } from './roles/manager.role';
import { partnerRole } from './roles/partner.role';
import { salesRole } from './roles/sales.role';
import { serviceRole } from './roles/service.role';
import { mask, remove, SENSITIVE_LEVELS, type FieldClass, type FieldRule, type RolePolicy } from './vocabulary';

export const ROLE_POLICIES: Readonly<Record<Role, RolePolicy>> = {
  admin: adminRole,
  manager: managerRole,
  sales: salesRole,
  service: serviceRole,
  analyst: analystRole,
  auditor: auditorRole,
  partner: partnerRole,
};

/** Content hash of the whole policy: responses and docs name the version they were decided by. */
export const POLICY_VERSION = `sha256:${createHash('sha256')
  .update(JSON.stringify({ CLASSIFICATION, REVEALING_INPUTS, ROLE_POLICIES, RELATIONSHIP_GRANTS, CLEAR_ACCESS_GRANTS, INCIDENTS, PARTNER_GOVERNANCE, ACCESS_REVIEW, ALERT_RULES, COMPLAINT_STEPS, STATISTICS_GRANTS, DEFAULT_MINIMUM_CUSTOMERS }))
  .digest('hex')
  .slice(0, 16)}`;

export function classify(typeName: string, fieldName: string): FieldClass | undefined {
  return CLASSIFICATION[typeName]?.[fieldName];
}

export function isSensitive(cls: FieldClass | undefined): boolean {
  return cls !== undefined && SENSITIVE_LEVELS.includes(cls.level);
}

/** A role's rule for one field. Deny by default: an unclassified field, or one the role is not granted, is removed. */
export function ruleFor(role: Role, typeName: string, fieldName: string): FieldRule {
  const policy = ROLE_POLICIES[role];
  const cls = classify(typeName, fieldName);
  if (!policy || !cls) return remove;
  if (cls.generalises) return generalisedRule(ruleFor(role, typeName, cls.generalises));
  if (typeName === 'Query' || typeName === 'Mutation') {
    return policy.operations.includes(`${typeName}.${fieldName}`) ? { kind: 'CLEAR' } : remove;
  }
  if (isSensitive(cls)) return policy.fields[`${typeName}.${fieldName}`] ?? remove;
  if (policy.withheld?.includes(`${typeName}.${fieldName}`)) return remove;
  return policy.clearLevels.includes(cls.level) ? { kind: 'CLEAR' } : remove;
}

/**
 * A generalised field follows its source: removed where the source is removed, and wherever the
 * source is shown at all, served as what it is — a masked form (it counts as masked, not clear).
 */
function generalisedRule(source: FieldRule): FieldRule {
  if ('kind' in source) return source.kind === 'REMOVE' ? remove : mask('generalised');
  const then = generalisedRule(source.then);
  const otherwise = generalisedRule(source.otherwise);
  // Both branches alike: no condition left to check per record.
  if ('kind' in then && 'kind' in otherwise && JSON.stringify(then) === JSON.stringify(otherwise)) return then;
  return { when: source.when, then, otherwise };
}

/** Fields whose outcome is the same clear value for every role: the only ones left unwrapped. */
export function isClearForEveryRole(typeName: string, fieldName: string): boolean {
  return (Object.keys(ROLE_POLICIES) as Role[]).every((role) => {
    const rule = ruleFor(role, typeName, fieldName);
    return 'kind' in rule && rule.kind === 'CLEAR';
  });
}
