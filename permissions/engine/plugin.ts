/**
 * The Apollo plugin that puts the policy in the request flow: settles the declared purpose,
 * plans the operation before execution (refusals happen here, before any SQL), and attaches
 * the explanation to the response.
 */
import { getVariableValues, Kind, type FragmentDefinitionNode } from 'graphql';
import type { PolicyContext } from './policy-context';
import type { PipelineStage } from '../../src/request-stage';
import { touchesCustomerData } from '../defaults';
import { POLICY_VERSION, ROLE_POLICIES } from '../policy';
import { PURPOSES, type Purpose } from '../vocabulary';
import { forbidden, purposeRequired } from './errors';
import { planOperation, type PrivacyPlan } from './plan';
import { compareTallies, createPrivacyState } from './runtime';

const PURPOSE_HEADER = 'x-purpose';

/** Whether the caller declared a purpose at all (header or `extensions.purpose`). */
function isDeclared(declared: unknown): boolean {
  return !(declared === undefined || declared === null || declared === '');
}

/**
 * The purpose the caller declared, checked against the role's; undeclared, the role's usual one
 * stands in only for operations that touch no customer data (see `purposeRequired`).
 */
export function settlePurpose(role: PolicyContext['principal']['role'], declared: unknown): Purpose {
  const policy = ROLE_POLICIES[role];
  if (!isDeclared(declared)) return policy.purposes.default;
  const allowed = policy.purposes.allowed;
  if (typeof declared !== 'string' || !(PURPOSES as readonly string[]).includes(declared) || !allowed.includes(declared as Purpose)) {
    // The declared text is not echoed: it is caller input.
    throw forbidden(`the declared purpose is not allowed for role ${role}; allowed: ${allowed.join(', ')}`, ['purpose'], { allowedPurposes: allowed });
  }
  return declared as Purpose;
}

/** Whether any planned field's decision waits for a relationship of the record. */
function dependsOnRelations(plan: PrivacyPlan): boolean {
  for (const field of plan.fields.values()) if (!('fixed' in field.rule)) return true;
  return false;
}

export const privacyPlugin: PipelineStage<PolicyContext> = {
  async requestDidStart() {
    let freeze = false;
    return {
      async executionDidStart({ contextValue }) {
        if (freeze) await contextValue.db.freezeRelations();
      },
      async didResolveOperation({ request, document, operation, contextValue, schema }) {
        const declared = request.http?.headers.get(PURPOSE_HEADER) ?? (request.extensions?.purpose as unknown);
        const purpose = settlePurpose(contextValue.principal.role, declared);
        contextValue.operation.purpose = purpose;
        if (!operation) return; // no operation, no plan: the root rules refuse every field
        const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {});
        // Bad variables: execution refuses the operation before any resolver runs; no plan, nothing runs.
        if (coerced.errors) return;
        const fragments: Record<string, FragmentDefinitionNode> = {};
        for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
        // A caller the directory shows holding no clear-access grant: "grant" holds for no record (no per-record lookup, masked forms stay unopened).
        const knownFalse = contextValue.principal.holdsGrants ? [] : (['GRANT'] as const);
        const plan = planOperation(schema, operation, fragments, coerced.coerced, contextValue.principal.role, purpose, contextValue.principal.scopes, knownFalse);
        if (!isDeclared(declared) && touchesCustomerData(plan.roots)) {
          contextValue.operation.purpose = null;
          throw purposeRequired(contextValue.principal.role);
        }
        contextValue.privacy = createPrivacyState(plan, contextValue);
        // A mutation's answer is decided by the relationships as they were before it ran (snapshot taken
        // in executionDidStart: only once every plugin has admitted the request, so a refusal holds no connection).
        freeze = operation.operation === 'mutation' && dependsOnRelations(plan);
        // A partner sees the customers who consented to this purpose and these field groups (nothing before).
        if (contextValue.db.visibility) Object.assign(contextValue.db.visibility, { purpose, fieldGroups: plan.fieldGroups });
      },
      async willSendResponse({ contextValue, response }) {
        await contextValue.db.releaseSnapshot();
        const state = contextValue.privacy;
        if (!state || (state.tally.size === 0 && state.plan.probes.length === 0) || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        result.extensions = {
          ...result.extensions,
          privacy: {
            policyVersion: POLICY_VERSION,
            role: state.plan.role,
            purpose: state.plan.purpose,
            exposure: state.plan.exposure,
            fields: [...state.tally.values()].sort(compareTallies),
            // Lookups, filters and uniqueness checks on sensitive fields: each a read of the field, registered and budgeted.
            ...(state.plan.probes.length ? { probes: state.plan.probes } : {}),
            // The daily budget after this operation (budget plugin; it adds it itself when it answers after this hook).
            ...(contextValue.budgetReport ? { budget: contextValue.budgetReport } : {}),
          },
        };
      },
    };
  },
};
