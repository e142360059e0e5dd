import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * Two resets of one database at once: the second waits for the first's seed lock, and each
 * validates what it committed while still holding the lock, in one snapshot. Before, the
 * second's DROP ran under the first's validation, which then failed on tables that were
 * being rebuilt ("no policy restricts reads", 3 of 3 tries).
 */
describe('two concurrent resets of one database', () => {
  const db = useFileDatabase();

  it('both exit 0 and both validate green, in 10 of 10 tries', async () => {
    const reset = () => runCli(['--database-url', db.target.url, 'reset', '--env', 'test', '--lock-wait', '120']);
    const first = await reset();
    expect(first.code).toBe(0);
    for (let attempt = 1; attempt <= 10; attempt++) {
      const runs = await Promise.all([reset(), reset()]);
      for (const run of runs) {
        expect({ attempt, code: run.code, stderr: run.stderr.slice(-2000), failed: /^FAIL/m.test(run.stdout) }).toEqual({ attempt, code: 0, stderr: expect.any(String), failed: false });
        expect(run.stdout).toMatch(/Validation passed: 7 checks passed\./);
      }
    }
  }, 20 * 60_000);
});
