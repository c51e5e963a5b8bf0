/**
 * The erasure rules as policy data (permissions/erasure.ts): the role files grant exactly the
 * operations the steps name, legal_hold only to the roles it is meant for, and docs/policy.md
 * shows who takes each step.
 */
import { readFileSync } from 'node:fs';
import { DESIGNATIONS, ERASURE_READS, ERASURE_STEPS, LEGAL_HOLD_PURPOSE, LEGAL_HOLD_ROLES } from '../../permissions/erasure';
import { ROLE_POLICIES } from '../../permissions/policy';
import { ROLES } from '../../src/auth/principal';
import { StaffDesignation } from '../../src/db/entities';
import { POLICY_DOC } from '../../src/cli/policy-docs';

describe('The erasure policy', () => {
  it('grants each step\'s operation to the roles that take it and to no other role', () => {
    const granted = Object.entries({
      ...Object.fromEntries(Object.values(ERASURE_STEPS).filter((s) => s.operation).map((s) => [s.operation!, s.roles])),
      ...Object.fromEntries(Object.entries(ERASURE_READS).map(([op, r]) => [op, r.roles])),
    });
    for (const [operation, roles] of granted) {
      const holders = ROLES.filter((role) => ROLE_POLICIES[role].operations.includes(operation));
      expect({ operation, holders: [...holders].sort() }).toEqual({ operation, holders: [...roles].sort() });
    }
  });

  it('keeps execution to a role of its own and excludes the earlier people of a request from its later steps', () => {
    for (const role of ROLES) {
      const takes = Object.entries(ERASURE_STEPS).filter(([, s]) => s.roles.includes(role)).map(([name]) => name);
      if (takes.includes('execute')) expect({ role, takes }).toEqual({ role, takes: ['execute'] });
    }
    expect(ERASURE_STEPS.approveAsInformationHead.notBy).toEqual(expect.arrayContaining(['requester', 'departmentApprover']));
    expect(ERASURE_STEPS.execute.notBy).toEqual(expect.arrayContaining(['requester', 'departmentApprover', 'informationHeadApprover']));
  });

  it('allows legal_hold exactly to the roles the erasure policy names (managers and auditors)', () => {
    const allowing = ROLES.filter((role) => (ROLE_POLICIES[role].purposes.allowed as readonly string[]).includes(LEGAL_HOLD_PURPOSE));
    expect([...allowing].sort()).toEqual([...LEGAL_HOLD_ROLES].sort());
    for (const role of ROLES) expect(ROLE_POLICIES[role].purposes.default).not.toBe(LEGAL_HOLD_PURPOSE);
  });

  it('names in the database and the schema exactly the designations of the policy, each held by a role that takes its step', () => {
    expect(Object.values(StaffDesignation).sort()).toEqual(Object.keys(DESIGNATIONS).sort());
    for (const step of Object.values(ERASURE_STEPS)) {
      if (step.designation) for (const role of step.roles) expect(DESIGNATIONS[step.designation].eligibleRoles).toContain(role);
    }
  });

  it('is shown in docs/policy.md: every step, who takes it, the designation and legal_hold', () => {
    const doc = readFileSync(POLICY_DOC, 'utf8');
    for (const step of Object.values(ERASURE_STEPS)) if (step.operation) expect(doc).toContain(`| ${step.operation.split('.')[1]} |`);
    expect(doc).toContain('INFORMATION_MANAGEMENT_HEAD');
    expect(doc).toContain(LEGAL_HOLD_PURPOSE);
  });
});
