/** The policy and its enforcement: what the server and the tools import. */
export { POLICY_VERSION, ROLE_POLICIES, classify, ruleFor } from './policy';
export { enforcePolicy, type EnforcementOptions } from './engine/enforcement';
export { privacyPlugin } from './engine/plugin';
export { recordProbeMatches, storageOutcome } from './engine/runtime';
export type { PrivacyState } from './engine/runtime';
export { requireWriteCondition } from './engine/writes';
