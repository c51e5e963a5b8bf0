/**
 * Turns a role's field rule into what the plan carries: purpose conditions are settled once
 * per operation; what is left depends only on relationships decided per record.
 */
import type { Condition, Decision, FieldRule, Purpose, Reason, Relation } from '../vocabulary';

export interface Outcome {
  decision: Decision;
  reason: Reason;
  /** The clear-access grant that released the value (reason GRANT): the register names it. */
  grantId?: string;
}

export type PlannedRule =
  | { fixed: Outcome }
  /** All relations must hold for `then`. */
  | { relations: Relation[]; then: PlannedRule; otherwise: PlannedRule };

/** true / false when the purpose settles the condition, otherwise the relations still to check. */
function settlePurpose(condition: Condition, purpose: Purpose): boolean | Relation[] {
  if ('purpose' in condition) return condition.purpose === purpose;
  if ('relation' in condition) return [condition.relation];
  const relations: Relation[] = [];
  for (const part of condition.all) {
    const settled = settlePurpose(part, purpose);
    if (settled === false) return false;
    if (settled !== true) relations.push(...settled);
  }
  return relations.length === 0 ? true : relations;
}

export function compileRule(rule: FieldRule, purpose: Purpose, reason: Reason = 'ROLE_POLICY'): PlannedRule {
  if ('kind' in rule) return { fixed: { decision: rule, reason } };
  const settled = settlePurpose(rule.when, purpose);
  if (settled === true) return compileRule(rule.then, purpose, 'PURPOSE');
  // Only a purpose can settle a condition to false before any record is seen.
  if (settled === false) return compileRule(rule.otherwise, purpose, 'NOT_PURPOSE');
  return {
    relations: settled,
    then: compileRule(rule.then, purpose, settled[0]),
    otherwise: compileRule(rule.otherwise, purpose, `NOT_${settled[0]}` as Reason),
  };
}

export function outcomesOf(rule: PlannedRule): Outcome[] {
  return 'fixed' in rule ? [rule.fixed] : [...outcomesOf(rule.then), ...outcomesOf(rule.otherwise)];
}

export function canBeClear(rule: PlannedRule): boolean {
  return outcomesOf(rule).some((o) => o.decision.kind === 'CLEAR');
}

export function alwaysRemoved(rule: PlannedRule): boolean {
  return outcomesOf(rule).every((o) => o.decision.kind === 'REMOVE');
}

/** The masked form a clear field falls back to when a budget downgrades it. */
export function downgraded(rule: PlannedRule, defaultMask: Decision | undefined, reason: Reason): PlannedRule {
  const masked = outcomesOf(rule).find((o) => o.decision.kind === 'MASK')?.decision ?? defaultMask ?? { kind: 'REMOVE' };
  return { fixed: { decision: masked, reason } };
}
