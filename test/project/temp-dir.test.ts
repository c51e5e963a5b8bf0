/**
 * Tests leave nothing in the temporary directory (issue 19): every test process's os.tmpdir() is
 * the run's own directory (global-setup), which the global teardown removes with everything in it
 * — keys, audit folders, CAs, browser profiles — and which a PostgreSQL of another user can pass
 * through (0711) to reach the certificates a TLS test hands it.
 */
import { statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('the test run’s temporary directory', () => {
  const runTmp = process.env.TEST_RUN_TMPDIR!;

  it('is where every test process puts its temporary files', () => {
    expect(runTmp).toMatch(/cr-test-run-/);
    expect(os.tmpdir()).toBe(runTmp);
  });

  it('can be passed through by other users, not listed (0711)', () => {
    expect(statSync(runTmp).mode & 0o777).toBe(0o711);
    expect(path.dirname(runTmp)).not.toBe(runTmp);
  });
});
