/**
 * `npm run retention`: erases every restricted customer whose legal retention period has ended
 * (permissions/retention.ts; seed 001 五(四)2). Meant for a daily schedule; safe to run from several
 * processes at once (each customer is taken by one of them: SKIP LOCKED). Acts as the job
 * `system:retention` in the change history; prints the customers erased.
 */
import { RETENTION_PRINCIPAL, runRetention } from '../../schema/erasure/erasure.service';
import { print, withSystemContext } from './operator-context';
import { runCli } from './run-cli';

runCli(async (cli) => {
  await withSystemContext(cli, 'cli:retention', RETENTION_PRINCIPAL, async (ctx) => {
    const erased = await runRetention(ctx);
    cli.log.info({ erased: erased.length }, 'retention: restricted customers past their period erased');
    print({ erased });
  });
});
