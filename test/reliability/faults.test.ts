import { migrate } from '../../src/db';
import { useFileDatabase } from '../support/database';
import { hasStackTrace, runCli } from '../support/run-cli';

// Killed processes, terminated connections and Ctrl-C mid-COPY are tried in
// test/integration/seed-reset.test.ts; this file adds the statement-timeout path.
describe('faults while loading', () => {
  const db = useFileDatabase();

  it('rolls back a seed whose statement runs past statement_timeout, says so, and the next seed succeeds', async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    const run = await runCli(['--database-url', db.target.url, 'seed', '--env', 'staging', '--tenants', '100'], {
      env: { CI: 'true', PGOPTIONS: '-c statement_timeout=300' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: A statement was cancelled: canceling statement due to statement timeout/m);
    expect(run.stderr).toMatch(/^hint: .*nothing was committed/m);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect((await db.knex('tenants').count({ n: '*' }))[0].n).toBe(1);
    expect(await db.knex.raw(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).then((r) => r.rows[0].n)).toBe(0);
    const again = await runCli(['--database-url', db.target.url, 'seed', '--env', 'test'], { env: { CI: 'true' } });
    expect(again.code).toBe(0);
  });
});
