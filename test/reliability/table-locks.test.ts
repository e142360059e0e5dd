import type { Knex } from 'knex';
import pg from 'pg';
import { createKnex, migrate } from '../../src/db';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { testServer } from '../support/database';
import { runCli } from '../support/run-cli';

/** Rows per table of the public schema: what "nothing changed" compares. */
async function rowCounts(knex: Knex): Promise<Record<string, number>> {
  const tables = await knex.raw(`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname IN ('public', 'tenantseed') ORDER BY 1`);
  const out: Record<string, number> = {};
  for (const { t } of tables.rows) out[t] = (await knex.raw(`SELECT count(*)::int AS n FROM ${t}`)).rows[0].n;
  return out;
}

/**
 * A third session reading every table of the public schema over and over (the application's
 * reads) until stopped; returns the longest a single SELECT took.
 */
function readContinuously(url: string, tables: string[]): { stop: () => Promise<number> } {
  const client = new pg.Client({ connectionString: url, application_name: 'reader-under-test' });
  let running = true;
  let longest = 0;
  const loop = (async () => {
    await client.connect();
    while (running) {
      for (const table of tables) {
        const started = Date.now();
        await client.query(`SELECT count(*) FROM ${table}`);
        longest = Math.max(longest, Date.now() - started);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await client.end();
  })();
  return { stop: async () => { running = false; await loop; return longest; } };
}

describe('table locks of seed and reset: bounded, named, all at once or none', () => {
  let scratch: ScratchDatabase;
  let knex: Knex;
  let blocker: pg.Client;
  let blockerPid: number;

  beforeEach(async () => {
    scratch = await createScratchDatabase(testServer());
    knex = createKnex(scratch.target);
    await migrate({ knex, action: 'latest' });
    blocker = new pg.Client({ connectionString: scratch.target.url, application_name: 'blocker-under-test' });
    await blocker.connect();
    blockerPid = (await blocker.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
  });

  afterEach(async () => {
    await blocker.end().catch(() => undefined);
    await knex.destroy();
    await scratch.drop();
  });

  const tenantTables = async () => (await knex.raw(`SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows.map((r: { t: string }) => r.t);

  async function underBlocker(args: string[]): Promise<{ code: number | null; stderr: string; longestRead: number }> {
    // An open transaction on users, as an application's would be: it holds a ROW EXCLUSIVE lock.
    await blocker.query('BEGIN');
    await blocker.query(`UPDATE users SET email = email WHERE false`);
    const reader = readContinuously(scratch.target.url, await tenantTables());
    const run = await runCli(['--database-url', scratch.target.url, ...args, '--lock-wait', '3'], { env: { CI: 'true' }, timeoutMs: 60_000 });
    const longestRead = await reader.stop();
    await blocker.query('ROLLBACK');
    return { code: run.code, stderr: run.stderr, longestRead };
  }

  it('seed gives up within the bound, naming the blocker, changing nothing, never holding some tables while waiting', async () => {
    const before = await rowCounts(knex);
    const run = await underBlocker(['seed', '--env', 'test']);
    // One attempt is 300 ms; the margin is for a loaded machine, far below the 3 s a held lock would block.
    expect(run.longestRead).toBeLessThan(1_500);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`Waiting \\(at most 3 s, holding no table meanwhile\\) for the table locks held by pid ${blockerPid} \\("blocker-under-test", idle in transaction since [^)]+\\): UPDATE users`));
    expect(run.stderr).toMatch(new RegExp(`^error: Gave up after 3\\.0 s waiting to lock \\d+ table\\(s\\), held by pid ${blockerPid}`, 'm'));
    expect(run.stderr).toMatch(/Nothing was changed/);
    expect(await rowCounts(knex)).toEqual(before);
  }, 90_000);

  it('reset gives up within the bound, naming the blocker, changing nothing, never holding some tables while waiting', async () => {
    const seeded = await runCli(['--database-url', scratch.target.url, 'seed', '--env', 'test'], { env: { CI: 'true' } });
    expect(seeded.code).toBe(0);
    const before = await rowCounts(knex);
    const run = await underBlocker(['reset', '--env', 'test']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`table locks held by pid ${blockerPid} \\("blocker-under-test", idle in transaction`));
    expect(run.stderr).toMatch(new RegExp(`^error: Gave up after 3\\.0 s waiting to lock \\d+ table\\(s\\), held by pid ${blockerPid}`, 'm'));
    expect(await rowCounts(knex)).toEqual(before);
    expect(run.longestRead).toBeLessThan(1_500);
  }, 90_000);

  it('refuses a --lock-wait that is not a number of seconds (exit 2)', async () => {
    const run = await runCli(['--database-url', scratch.target.url, 'seed', '--env', 'test', '--lock-wait', 'soon'], { env: { CI: 'true' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--lock-wait must be a number of seconds above 0, not "soon"/);
  });
});
