import { spawn } from 'node:child_process';
import type { Knex } from 'knex';
import { createKnex, migrate } from '../../src/db';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { testServer } from '../support/database';
import { useFileDatabase } from '../support/database';
import { CLI, hasStackTrace, REPO_ROOT, runCli } from '../support/run-cli';

describe('faults while loading', () => {
  const db = useFileDatabase();

  it('rolls back a seed whose statement runs past statement_timeout, says so, and the next seed succeeds', async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    // The whole staging profile: its documents and audit_logs COPYs take about 1 and 2 s even on a
    // fast machine, so one of them is cancelled at 300 ms. (With 100 tenants, after the generator
    // got faster, no statement ran past 300 ms on a quiet machine, and the seed committed.)
    const run = await runCli(['--database-url', db.target.url, 'seed', '--env', 'staging'], {
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

describe('tenantseed seed', () => {
  let scratch: ScratchDatabase;
  let knex: Knex;

  beforeEach(async () => {
    scratch = await createScratchDatabase(testServer());
    knex = createKnex(scratch.target);
    await migrate({ knex, action: 'latest' });
  });

  afterEach(async () => {
    await knex.destroy();
    await scratch.drop();
  });

  const cli = (args: string[]) => runCli(['--database-url', scratch.target.url, ...args], { env: { CI: 'true' } });

  it('seeds a migrated database with no confirmation, and loads it once when two run at once', async () => {
    const [a, b] = await Promise.all([cli(['seed', '--env', 'test']), cli(['seed', '--env', 'test'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const outputs = [a.stdout, b.stdout];
    expect(outputs.filter((o) => /^Nothing to do/.test(o))).toHaveLength(1);
    expect(outputs.filter((o) => /Seeded 107 rows of 3 tenants/.test(o))).toHaveLength(1);
    expect((await knex('tenantseed.seed_manifests').count({ n: '*' }))[0].n).toBe(1);
    expect((await knex('users').count({ n: '*' }))[0].n).toBe(15);
  });

  it('refuses a database that is not migrated', async () => {
    await migrate({ knex, action: 'down' });
    const run = await cli(['seed', '--env', 'test']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not migrated \(1 migration\(s\) pending\)/);
  });

  it('checks first that its role can write past row-level security, and changes nothing', async () => {
    const role = `ts_plain_${Date.now()}`;
    await knex.raw(`CREATE ROLE ${role} LOGIN PASSWORD 'plain-pass'`);
    try {
      await knex.raw(`GRANT ALL ON ALL TABLES IN SCHEMA public, tenantseed TO ${role}`);
      await knex.raw(`GRANT USAGE, CREATE ON SCHEMA public, tenantseed TO ${role}`);
      const url = new URL(scratch.target.url);
      url.username = role;
      url.password = 'plain-pass';
      const run = await runCli(['--database-url', url.toString(), 'seed', '--env', 'test'], { env: { CI: 'true' } });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`The role "${role}" cannot write past row-level security`));
      expect(run.stderr).toMatch(/GRANT tenantseed_admin TO/);
      expect((await knex('users').count({ n: '*' }))[0].n).toBe(0);
    } finally {
      await knex.raw(`DROP OWNED BY ${role}`);
      await knex.raw(`DROP ROLE ${role}`);
    }
  });

  // The whole staging profile: its documents COPY takes about a second even on a fast machine,
  // a wide window for the poll below (150 tenants gave about 0.13 s once the generator got faster).
  async function killMidCopy(kill: (child: ReturnType<typeof spawn>, pid: number) => Promise<void>): Promise<{ code: number | null; signal: string | null; stderr: string }> {
    const child = spawn(process.execPath, [CLI, '--database-url', scratch.target.url, 'seed', '--env', 'staging'], {
      cwd: REPO_ROOT, env: { ...process.env, CI: 'true' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    for (let i = 0; i < 600; i++) {
      const copying = await knex.raw(`SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'tenantseed seed [%' AND query LIKE 'COPY "documents"%' AND state = 'active'`);
      if (copying.rows.length > 0) {
        await kill(child, copying.rows[0].pid);
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    return { ...(await exited), stderr };
  }

  async function expectNothingCommittedThenSeedAgain(): Promise<void> {
    expect((await knex('tenants').count({ n: '*' }))[0].n).toBe(1);
    expect((await knex('tenantseed.seed_manifests').count({ n: '*' }))[0].n).toBe(0);
    expect((await knex('tenantseed.knex_migrations_lock').first())!.is_locked).toBe(0);
    const again = await cli(['seed', '--env', 'test']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Seeded 107 rows/);
  }

  it('leaves nothing when killed (SIGKILL) mid-COPY, and the next seed succeeds', async () => {
    const result = await killMidCopy(async (child) => {
      child.kill('SIGKILL');
    });
    expect(result.signal).toBe('SIGKILL');
    // The server notices the dead client and rolls back; wait for its session to end. (Only the
    // seed's sessions: this test's own connection is named 'tenantseed' too.)
    let left = -1;
    for (let i = 0; i < 200 && left !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      left = Number((await knex.raw(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'tenantseed seed [%'`)).rows[0].n);
    }
    expect(left).toBe(0);
    await expectNothingCommittedThenSeedAgain();
  });

  it('stops on Ctrl-C (SIGINT) mid-COPY, rolls back, and the next seed succeeds', async () => {
    // Rolled back rather than finished: had it waited for the load, the seed would be committed.
    const result = await killMidCopy(async (child) => {
      child.kill('SIGINT');
    });
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/SIGINT: stopping; the open transaction is rolled back/);
    await expectNothingCommittedThenSeedAgain();
  });

  it('leaves nothing when the server terminates its connection mid-COPY, says so, and the next seed succeeds', async () => {
    const result = await killMidCopy(async (_child, pid) => {
      await knex.raw('SELECT pg_terminate_backend(?)', [pid]);
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: The connection to PostgreSQL at .* was lost/m);
    expect(result.stderr).toMatch(/^hint: Nothing was committed/m);
    expect(hasStackTrace(result.stderr)).toBe(false);
    await expectNothingCommittedThenSeedAgain();
  });
});
