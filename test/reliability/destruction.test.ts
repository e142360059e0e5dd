import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createKnex, migrate, withAdvisoryLock, writeEnvironmentStamp } from '../../src/db';
import { ADVISORY_LOCK_CLASS, advisoryLockKey } from '../../src/db/advisory-lock';
import { createScratchDatabase } from '../../src/testing';
import { testServer, useFileDatabase } from '../support/database';
import { CLI, hasStackTrace, REPO_ROOT, runCli } from '../support/run-cli';
import { editedProfile } from '../support/datasets';

/**
 * The cases a review found where the tool that promises "you cannot wipe the wrong database"
 * could: each now refuses (exit 3, nothing changed, what it would destroy listed) or fails
 * closed (exit 1, the role to use named), and goes on with --yes where that is allowed.
 */
const tableList = async (knex: ReturnType<typeof createKnex>) =>
  (await knex.raw(`SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('public', 'tenantseed') ORDER BY 1`)).rows.map((r: { t: string }) => r.t);

describe('nothing destroyed that tenantseed did not make', () => {
  const db = useFileDatabase();
  const cli = (args: string[]) => runCli(['--database-url', db.target.url, ...args], { env: { CI: 'true' } });

  it('refuses to reset a database with no stamp that holds a team\'s own rows, listing them; --yes goes on', async () => {
    // Built by the shipped migrations (as Knex's own CLI would, recording nothing), so that the
    // shipped schema may stand in without a config; the team then added its own table.
    await migrate({ knex: db.knex, action: 'latest' });
    await db.knex.raw(`CREATE TABLE customers (id int PRIMARY KEY, name text); INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 3) g`);
    const before = await tableList(db.knex);
    const run = await cli(['reset', '--env', 'test']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: Refusing to reset: the database \S+ has no environment stamp .*, and it would destroy 1 table\(s\) with 3 row\(s\):/m);
    expect(run.stderr).toMatch(/^\s+public\.customers\s+3 rows$/m);
    expect(run.stderr).toMatch(/Nothing was changed/);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(await tableList(db.knex)).toEqual(before);
    expect((await db.knex('customers').count({ n: '*' }))[0].n).toBe(3);
    const yes = await cli(['reset', '--env', 'test', '--yes']);
    expect(yes.code).toBe(0);
    expect(yes.stderr).toMatch(/--yes: reset destroys 1 table\(s\) with 3 row\(s\)/);
    expect(await db.knex.raw(`SELECT to_regclass('customers') AS t`).then((r) => r.rows[0].t)).toBeNull();
  });

  it('resets without asking a database stamped with its own unprotected environment', async () => {
    const run = await cli(['reset', '--env', 'test', '--seed', '3']);
    expect(run.code).toBe(0);
  });

  it('refuses migrate rollback --all and down on a database stamped production, --yes or not', async () => {
    await writeEnvironmentStamp(db.knex, 'production', 'test setup');
    const before = await tableList(db.knex);
    for (const args of [['migrate', 'rollback', '--all'], ['migrate', 'rollback', '--all', '--yes'], ['migrate', 'down', '--yes', '--env', 'test']]) {
      const run = await cli(args);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(/stamped "production"/);
      expect(run.stderr).toMatch(/Nothing was changed/);
    }
    expect(await tableList(db.knex)).toEqual(before);
    expect((await db.knex('users').count({ n: '*' }))[0].n).toBeGreaterThan(0);
  });

  it('refuses migrate rollback --all on a stamped database without --env, and goes on with the matching --env', async () => {
    await writeEnvironmentStamp(db.knex, 'test', 'test setup');
    const refused = await cli(['migrate', 'rollback', '--all']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/is stamped "test" and no --env says it is that environment, and it would destroy \d+ table\(s\)/);
    expect(refused.stderr).toMatch(/^\s+public\.users\s+[\d,]+ rows$/m);
    const other = await cli(['migrate', 'rollback', '--all', '--env', 'development']);
    expect(other.code).toBe(3);
    expect(other.stderr).toMatch(/is stamped "test", not "development"/);
    const run = await cli(['migrate', 'rollback', '--all', '--env', 'test']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/0 applied, 3 pending/);
  });

  it('rolls back an empty database without asking', async () => {
    const scratch = await createScratchDatabase(testServer());
    try {
      const knex = createKnex(scratch.target);
      await migrate({ knex, action: 'latest' });
      await knex.destroy();
      // Only the rows the migrations made (default tenant, built-in templates): nothing to lose.
      const run = await runCli(['--database-url', scratch.target.url, 'migrate', 'rollback', '--all'], { env: { CI: 'true' } });
      expect(run.stderr).not.toMatch(/^error/m);
      expect(run.code).toBe(0);
    } finally {
      await scratch.drop();
    }
  });
});

describe('no green that was not earned', () => {
  const db = useFileDatabase();

  it('fails closed (exit 1, naming the role to use) when its role cannot read past row-level security', async () => {
    expect((await runCli(['--database-url', db.target.url, 'reset', '--env', 'test'], { env: { CI: 'true' } })).code).toBe(0);
    const role = `ts_owner_${Date.now()}`;
    await db.knex.raw(`CREATE ROLE ${role} LOGIN PASSWORD 'owner-pass'`);
    try {
      // The table owner, under FORCE ROW LEVEL SECURITY: it sees no tenant's rows.
      await db.knex.raw(`GRANT USAGE ON SCHEMA public, tenantseed TO ${role}`);
      await db.knex.raw(`GRANT SELECT ON ALL TABLES IN SCHEMA public, tenantseed TO ${role}`);
      await db.knex.raw(`ALTER TABLE users OWNER TO ${role}`);
      const url = new URL(db.target.url);
      url.username = role;
      url.password = 'owner-pass';
      const run = await runCli(['--database-url', url.toString(), 'validate', '--env', 'test'], { env: { CI: 'true' } });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^error: The role "${role}" cannot read past row-level security`, 'm'));
      expect(run.stderr).toMatch(new RegExp(`^hint: .*GRANT tenantseed_admin TO "${role}"`, 'm'));
      expect(run.stdout).not.toMatch(/^ok /m);
      // As a member of the admin role it reads as the admin role (which must be able to read
      // tenantseed's bookkeeping too), and every check passes.
      await db.knex.raw(`GRANT tenantseed_admin, tenantseed_app TO ${role}`);
      await db.knex.raw('GRANT USAGE ON SCHEMA tenantseed TO tenantseed_admin');
      await db.knex.raw('GRANT SELECT ON ALL TABLES IN SCHEMA tenantseed TO tenantseed_admin');
      const member = await runCli(['--database-url', url.toString(), 'validate', '--env', 'test'], { env: { CI: 'true' } });
      expect(member.stderr + member.stdout).toMatch(/Validation passed: 7 checks passed\./);
      expect(member.code).toBe(0);
    } finally {
      await db.knex.raw(`ALTER TABLE users OWNER TO CURRENT_USER`);
      await db.knex.raw(`DROP OWNED BY ${role}`);
      await db.knex.raw(`DROP ROLE ${role}`);
      await db.knex.raw('REVOKE ALL ON ALL TABLES IN SCHEMA tenantseed FROM tenantseed_admin');
      await db.knex.raw('REVOKE USAGE ON SCHEMA tenantseed FROM tenantseed_admin');
    }
  });
});

describe('reset\'s own validation', () => {
  const db = useFileDatabase();

  it('fails a reset whose isolation could not be probed (one tenant), unless --allow-skip', async () => {
    const { directory } = editedProfile('test', (p) => {
      p.tenants.named = p.tenants.named.slice(0, 1);
      p.tenants.generated = 0;
    });
    const run = await runCli(['--database-url', db.target.url, 'reset', '--env', 'test', '--environments', directory], { env: { CI: 'true' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^skip {2}isolation +skipped: needs at least two tenants to probe/m);
    expect(run.stdout).toMatch(/1 could not run \(isolation; pass --allow-skip to accept that\)/);
    const allowed = await runCli(['--database-url', db.target.url, 'reset', '--env', 'test', '--environments', directory, '--allow-skip'], { env: { CI: 'true' } });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/Validation passed, isolation NOT proven \(needs at least two tenants to probe\): 6 checks passed, 1 skipped \(--allow-skip\)\./);
  });
});

describe('locks and the embedded server', () => {
  const db = useFileDatabase();

  it('never truncates a table into which another session committed rows while seed waited', async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    const other = new pg.Client({ connectionString: db.target.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO users (tenant_id, id, email, name, password_hash) VALUES ('00000000-0000-0000-0000-000000000001', gen_random_uuid(), 'late@example.com', 'Late', 'x')`);
      const seed = runCli(['--database-url', db.target.url, 'seed', '--env', 'test'], { env: { CI: 'true' } });
      // Seed now waits for the lock on users, which the open insert holds.
      for (let i = 0; i < 100; i++) {
        const waiting = await db.knex.raw(`SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'tenantseed seed [%' AND wait_event_type = 'Lock'`);
        if (waiting.rows.length > 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await other.query('COMMIT');
      const run = await seed;
      expect(run.code).toBe(0);
      expect((await db.knex('users').where({ email: 'late@example.com' }).count({ n: '*' }))[0].n).toBe(1);
    } finally {
      await other.end();
    }
  });

  it('counts what reset would destroy only after locking the tables: a row committed while it waited is listed', async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    expect((await runCli(['--database-url', db.target.url, 'reset', '--env', 'test'], { env: { CI: 'true' } })).code).toBe(0);
    const before = Number((await db.knex('users').count({ n: '*' }))[0].n);
    const other = new pg.Client({ connectionString: db.target.url });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`INSERT INTO users (tenant_id, id, email, name, password_hash) SELECT tenant_id, gen_random_uuid(), 'late@example.com', 'Late', 'x' FROM users LIMIT 1`);
      // Another environment than the stamp's: reset refuses, listing what it would destroy.
      const reset = runCli(['--database-url', db.target.url, 'reset', '--env', 'development'], { env: { CI: 'true' } });
      // Reset locks the tables before it counts, so it waits for the open insert (pg_locks says so).
      let waited = false;
      for (let i = 0; i < 150 && !waited; i++) {
        const waiting = await db.knex.raw(`SELECT 1 FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE NOT l.granted AND a.application_name LIKE 'tenantseed reset%'`);
        waited = waiting.rows.length > 0;
        if (!waited) await new Promise((r) => setTimeout(r, 100));
      }
      await other.query('COMMIT');
      const run = await reset;
      expect(waited).toBe(true);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(new RegExp(`^\\s+public\\.users\\s+${before + 1} rows$`, 'm'));
      expect((await db.knex('users').where({ email: 'late@example.com' }).count({ n: '*' }))[0].n).toBe(1);
    } finally {
      await other.end();
    }
  });

  it('keeps the advisory lock while idle_in_transaction_session_timeout would end idle transactions', async () => {
    const scratch = await createScratchDatabase(testServer());
    const knex = createKnex(scratch.target);
    try {
      await knex.raw(`ALTER DATABASE ${pg.escapeIdentifier(scratch.name)} SET idle_in_transaction_session_timeout = '200ms'`);
      await knex.destroy();
      const fresh = createKnex(scratch.target);
      try {
        const held = await withAdvisoryLock(fresh, 'tenantseed:test-lock', {}, async () => {
          await new Promise((r) => setTimeout(r, 1000));
          // This lock only (pg_locks shows the two int4 keys as oids): other runs on the server hold theirs.
          return (await fresh.raw(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = ?::bigint::oid AND objid = ?::bigint::oid AND objsubid = 2`,
            [ADVISORY_LOCK_CLASS >>> 0, advisoryLockKey('tenantseed:test-lock') >>> 0])).rows[0].n;
        });
        expect(held).toBe(1);
      } finally {
        await fresh.destroy();
      }
    } finally {
      await scratch.drop();
    }
  });

  it('leaves the embedded server running when another session uses it as the command that started it ends', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-embedded-'));
    fs.chmodSync(dir, 0o755);
    const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
    delete env.DATABASE_URL;
    delete env.TENANTSEED_CONFIG;
    const child = spawn(process.execPath, [CLI, 'reset', '--env', 'development'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    let client: pg.Client | undefined;
    try {
      const state = path.join(dir, '.tenantseed', 'server.json');
      for (let i = 0; i < 600 && !client; i++) {
        if (fs.existsSync(state) && /started for this command/.test(stderr)) {
          const { port, user, password, database } = JSON.parse(fs.readFileSync(state, 'utf8'));
          client = new pg.Client({ connectionString: `postgres://${user}:${password}@127.0.0.1:${port}/${database}` });
          client.on('error', () => undefined);
          await client.connect();
        } else await new Promise((r) => setTimeout(r, 100));
      }
      expect(client).toBeDefined();
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/Leaving the embedded PostgreSQL running: 1 other session\(s\) use it/);
      expect((await client!.query('SELECT count(*)::int AS n FROM tenants')).rows[0].n).toBeGreaterThan(1);
    } finally {
      await client?.end().catch(() => undefined);
      spawnSync(process.execPath, [CLI, 'db', 'stop'], { cwd: dir, env });
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('the library has no global side effects', () => {
  it('leaves node-postgres\' global INT8 parser alone when imported', () => {
    const script = `
      const pg = require('pg');
      const before = pg.types.getTypeParser(20);
      require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'index.js'))});
      const after = pg.types.getTypeParser(20);
      process.stdout.write(JSON.stringify({ same: before === after, parsed: after('9007199254740993') }));`;
    const run = spawnSync(process.execPath, ['-e', script], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ same: true, parsed: '9007199254740993' });
  });
});
