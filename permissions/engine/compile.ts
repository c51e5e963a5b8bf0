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

/** Relations known not to hold for any record of this request (a caller holding no clear-access grant: GRANT). */
export type KnownFalse = readonly Relation[];

/** true / false (with the reason) when the purpose or a relation known false settles the condition, otherwise the relations still to check. */
function settle(condition: Condition, purpose: Purpose, knownFalse: KnownFalse): true | { no: Reason } | Relation[] {
  if ('purpose' in condition) return condition.purpose === purpose ? true : { no: 'NOT_PURPOSE' };
  if ('relation' in condition) return knownFalse.includes(condition.relation) ? { no: `NOT_${condition.relation}` as Reason } : [condition.relation];
  const relations: Relation[] = [];
  for (const part of condition.all) {
    const settled = settle(part, purpose, knownFalse);
    if (settled === true) continue;
    if ('no' in settled) return settled;
    relations.push(...settled);
  }
  return relations.length === 0 ? true : relations;
}

export function compileRule(rule: FieldRule, purpose: Purpose, reason: Reason = 'ROLE_POLICY', knownFalse: KnownFalse = []): PlannedRule {
  if ('kind' in rule) return { fixed: { decision: rule, reason } };
  const settled = settle(rule.when, purpose, knownFalse);
  if (settled === true) return compileRule(rule.then, purpose, 'PURPOSE', knownFalse);
  // A purpose, or a relation known not to hold for anyone of the request, settles it before any record is seen.
  if ('no' in settled) return compileRule(rule.otherwise, purpose, settled.no, knownFalse);
  return {
    relations: settled,
    then: compileRule(rule.then, purpose, settled[0], knownFalse),
    otherwise: compileRule(rule.otherwise, purpose, `NOT_${settled[0]}` as Reason, knownFalse),
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
