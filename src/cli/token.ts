/**
 * `npm run token -- --role sales [--sub <staff id>] [--ttl 8h] [--partner <id> --scopes a,b]`
 * prints a signed development token as the last line of stdout (same env as the server).
 */
import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../auth/principal';
import { issueDevToken } from '../auth/token-issuer';
import { runCli } from './run-cli';

runCli(async ({ config }) => {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '8h' },
      partner: { type: 'string' },
      scopes: { type: 'string', default: '' },
    },
  });
  if (!isRole(values.role)) throw new Error(`--role must be one of: ${ROLES.join(', ')}`);
  if (!/^\d+[smhd]$/.test(values.ttl)) throw new Error('--ttl must look like 30m, 8h or 2d');
  if (values.role === 'partner' && !values.partner) throw new Error('--role partner needs --partner <id>');
  const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
  const token = await issueDevToken(config, { role: values.role, sub: values.sub, ttl: values.ttl, partner: values.partner, scopes });
  process.stdout.write(`${token}\n`);
});
