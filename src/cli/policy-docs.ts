/** `npm run policy:docs` — writes docs/policy.md from the policy in permissions/. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderPolicyDoc } from '../../permissions/docs';
import { projectRoot } from '../project-root';
import { runCli } from './run-cli';

export const POLICY_DOC = path.join(projectRoot(), 'docs', 'policy.md');

if (require.main === module) {
  runCli(async ({ log }) => {
    mkdirSync(path.dirname(POLICY_DOC), { recursive: true });
    writeFileSync(POLICY_DOC, renderPolicyDoc());
    log.info({ file: POLICY_DOC }, 'policy table written');
  });
}
