import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex, withTenant } from '../../src/db';
import { parseDatabaseUrl } from '../../src/config';
import { createTestDatabase, TEST_SERVER_URL_VARIABLE } from '../../src/testing';
import { CLI, REPO_ROOT, runCli } from '../support/run-cli';

/**
 * tenantseed on a real three-node Citus cluster (../shared/citus: a coordinator and two
 * workers on loopback). `.ci/run` starts it and sets TENANTSEED_CITUS_URL to the coordinator;
 * without it this suite says so and is skipped (TENANTSEED_REQUIRE_CITUS=1 makes that a
 * failure). The CLI runs as a subprocess, as a user runs it.
 */
const URL_VARIABLE = 'TENANTSEED_CITUS_URL';
const coordinatorUrl = process.env[URL_VARIABLE];
const ENPYCO = path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco');

if (!coordinatorUrl) {
  if (process.env.TENANTSEED_REQUIRE_CITUS === '1') throw new Error(`${URL_VARIABLE} is not set, but TENANTSEED_REQUIRE_CITUS=1 asks for the Citus suite`);
  process.stderr.write(`test/citus: skipped: ${URL_VARIABLE} is not set (bash .ci/run starts a Citus cluster from ../shared/citus when it can)\n`);
}
const describeCitus = coordinatorUrl ? describe : describe.skip;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function count(knex: Knex, sql: string, bindings: Knex.RawBinding[] = []): Promise<number> {
  return Number((await knex.raw(sql, bindings)).rows[0].n);
}

/** Rows of a distributed table per worker port, read shard by shard on the workers. */
async function rowsPerWorker(knex: Knex, table: string): Promise<Record<string, number>> {
  const rows = (await knex.raw(`SELECT nodeport, sum(result::bigint) AS n FROM run_command_on_placements(?, 'SELECT count(*) FROM %s') GROUP BY 1 ORDER BY 1`, [table])).rows;
  return Object.fromEntries(rows.map((r: { nodeport: number; n: string }) => [String(r.nodeport), Number(r.n)]));
}

describeCitus('the shipped schema on a Citus coordinator', () => {
  let knex: Knex;
  const cli = (args: string[], cwd = REPO_ROOT) => runCli(args, { cwd, env: { DATABASE_URL: coordinatorUrl, CI: 'true' }, timeoutMs: 300_000 });

  beforeAll(() => {
    knex = createKnex(parseDatabaseUrl(coordinatorUrl!, URL_VARIABLE));
  });
  afterAll(async () => {
    await knex?.destroy();
  });

  it('reset --env development ends distributed and seeded, and every check passes, isolation probed as the app role', async () => {
    const reset = await cli(['reset', '--env', 'development', '--yes']);
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/Validation passed: 7 checks passed\./);
    const validate = await cli(['validate', '--env', 'development', '--json']);
    expect(validate.code).toBe(0);
    const report = JSON.parse(validate.stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.find((c: { name: string }) => c.name === 'isolation').details.summary).toMatch(/as tenantseed_app: own rows only/);
    const schema = report.checks.find((c: { name: string }) => c.name === 'schema').details;
    expect(schema.citus.users).toMatch(/^distributed by tenant_id, co-location group \d+$/);
    expect(schema.citus.tenants).toBe('reference table');
  });

  it('distributes every tenant table by tenant_id in one co-location group, the others as reference tables, with rows on both workers', async () => {
    const partitions = (await knex.raw(`SELECT logicalrelid::text AS t, partmethod::text AS m, column_to_column_name(logicalrelid, partkey) AS c, colocationid AS g FROM pg_dist_partition ORDER BY 1`)).rows;
    const distributed = partitions.filter((p: { m: string }) => p.m === 'h');
    expect(distributed.map((p: { t: string }) => p.t).sort()).toEqual(['audit_logs', 'content_blocks', 'documents', 'projects', 'tenant_api_keys', 'tenant_configs', 'users']);
    expect(new Set(distributed.map((p: { c: string }) => p.c))).toEqual(new Set(['tenant_id']));
    expect(new Set(distributed.map((p: { g: number }) => p.g)).size).toBe(1);
    expect(partitions.filter((p: { m: string }) => p.m === 'n').map((p: { t: string }) => p.t).sort()).toEqual(['platform_audit_logs', 'templates', 'tenants']);
    const workers = (await knex.raw(`SELECT nodeport FROM pg_dist_node WHERE noderole = 'primary' AND groupid <> 0 ORDER BY 1`)).rows.map((r: { nodeport: number }) => String(r.nodeport));
    expect(workers).toHaveLength(2);
    for (const table of distributed.map((p: { t: string }) => p.t)) {
      const perWorker = await rowsPerWorker(knex, table);
      for (const worker of workers) expect({ table, worker, rows: perWorker[worker] ?? 0 }).toEqual({ table, worker, rows: expect.any(Number) });
      expect(workers.every((w: string) => (perWorker[w] ?? 0) > 0)).toBe(true);
    }
  });

  it('distribute is idempotent, and the library\'s withTenant sees one tenant\'s rows through the coordinator', async () => {
    const again = await cli(['distribute']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Already distributed/);
    const acme = (await knex.raw(`SELECT id FROM tenants WHERE slug = 'acme'`)).rows[0].id as string;
    const seen = await withTenant(knex, acme, async (trx) => (await trx.raw('SELECT DISTINCT tenant_id FROM users')).rows);
    expect(seen).toEqual([{ tenant_id: acme }]);
    const all = await count(knex, 'SELECT count(*) AS n FROM users');
    const mine = await withTenant(knex, acme, (trx) => count(trx as unknown as Knex, 'SELECT count(*) AS n FROM users'));
    expect(mine).toBeGreaterThan(0);
    expect(mine).toBeLessThan(all);
  });

  it('distribute never lets the BYPASSRLS admin role log in without a password: it stays NOLOGIN, and one that can is refused (exit 3)', async () => {
    const role = async (name: string) => (await knex.raw(`SELECT rolcanlogin AS login, rolbypassrls AS bypass FROM pg_roles WHERE rolname = ?`, [name])).rows[0];
    expect(await role('tenantseed_admin')).toEqual({ login: false, bypass: true });
    expect(await role('tenantseed_app')).toEqual({ login: true, bypass: false });
    const again = await cli(['distribute']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/role tenantseed_admin left NOLOGIN: .*ALTER ROLE "?tenantseed_admin"? LOGIN PASSWORD '\.\.\.';/);
    expect((await role('tenantseed_admin')).login).toBe(false);
    // An earlier version gave it LOGIN with no password: distribute refuses to carry on with that.
    await knex.raw('ALTER ROLE tenantseed_admin LOGIN');
    try {
      const refused = await cli(['distribute']);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toMatch(/tenantseed_admin bypass row-level security and can log in without a password/);
      expect(refused.stderr).toMatch(/ALTER ROLE "?tenantseed_admin"? NOLOGIN;.*ALTER ROLE "?tenantseed_admin"? PASSWORD/);
      expect((await cli(['migrate', 'latest'])).code).toBe(3);
      // With a password it may log in: distribute goes on.
      await knex.raw(`ALTER ROLE tenantseed_admin PASSWORD '${crypto.randomUUID()}'`);
      expect((await cli(['distribute'])).code).toBe(0);
    } finally {
      await knex.raw('ALTER ROLE tenantseed_admin NOLOGIN PASSWORD NULL');
    }
  });

  it('tenant add writes a new tenant into the distributed tables, and validation still passes', async () => {
    const added = await cli(['tenant', 'add', '--env', 'development', '--slug', 'umbrella', '--name', 'Umbrella Corp', '--template', 'fintech']);
    expect(added.stderr).not.toMatch(/^error/m);
    expect(added.code).toBe(0);
    expect(await count(knex, `SELECT count(*) AS n FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = 'umbrella'`)).toBeGreaterThan(0);
    const validate = await cli(['validate', '--env', 'development']);
    expect(validate.code).toBe(0);
  });

  it('a reset killed with SIGKILL during COPY leaves the previous data on every node and no prepared transaction behind', async () => {
    const manifest = async () => (await knex.raw('SELECT fingerprint, tenants FROM tenantseed.seed_manifests ORDER BY id DESC LIMIT 1')).rows[0];
    const before = { manifest: await manifest(), users: await rowsPerWorker(knex, 'users'), audit: await rowsPerWorker(knex, 'audit_logs') };
    const child = spawn(process.execPath, [CLI, 'reset', '--env', 'development', '--tenants', '400', '--yes'], {
      cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: coordinatorUrl, CI: 'true' }, stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let copying = false;
    for (let i = 0; i < 600 && !copying; i++) {
      copying = (await count(knex, `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'tenantseed reset%' AND query ILIKE 'COPY %'`)) > 0;
      if (!copying) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(copying).toBe(true);
    child.kill('SIGKILL');
    await exited;
    // The coordinator's backend ends when it finds its client gone; its transaction aborts on every node.
    for (let i = 0; i < 200 && (await count(knex, `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name LIKE 'tenantseed reset%'`)) > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await knex.raw('SELECT recover_prepared_transactions()');
    const prepared = (await knex.raw(`SELECT sum(result::int) AS n FROM run_command_on_workers('SELECT count(*) FROM pg_prepared_xacts')`)).rows[0].n;
    expect(Number(prepared)).toBe(0);
    expect(await count(knex, 'SELECT count(*) AS n FROM pg_prepared_xacts')).toBe(0);
    expect({ manifest: await manifest(), users: await rowsPerWorker(knex, 'users'), audit: await rowsPerWorker(knex, 'audit_logs') }).toEqual(before);
    expect((await cli(['validate', '--env', 'development'])).code).toBe(0);
  });

  it('the testing API says at once that it cannot clone databases on Citus', async () => {
    const previous = process.env[TEST_SERVER_URL_VARIABLE];
    process.env[TEST_SERVER_URL_VARIABLE] = coordinatorUrl;
    try {
      await expect(createTestDatabase({ poolSize: 0 })).rejects.toThrow(/runs Citus: createTestDatabase cannot clone databases there/);
    } finally {
      if (previous === undefined) delete process.env[TEST_SERVER_URL_VARIABLE];
      else process.env[TEST_SERVER_URL_VARIABLE] = previous;
    }
  });

  it('rolls back with the tables made local first (as the down migrations need), and distributes again on migrate latest', async () => {
    const distributed = async () => count(knex, `SELECT count(*) AS n FROM pg_dist_partition WHERE logicalrelid::text NOT LIKE 'tenantseed.%'`);
    expect(await distributed()).toBe(10);
    const rollback = await cli(['migrate', 'rollback', '--all', '--env', 'development']);
    expect(rollback.stderr).not.toMatch(/^error/m);
    expect(rollback.code).toBe(0);
    expect(rollback.stderr).toMatch(/Citus: 10 table\(s\) made local again for the down migrations/);
    expect(rollback.stdout).toMatch(/0 applied, 3 pending/);
    const latest = await cli(['migrate', 'latest']);
    expect(latest.code).toBe(0);
    expect(latest.stderr).toMatch(/Citus: distributed 10 table\(s\)/);
    expect(await distributed()).toBe(10);
  });
});

describeCitus('a team\'s own schema on Citus (test/fixtures/enpyco)', () => {
  const database = 'enpyco_citus';
  let url: string;
  let knex: Knex;
  let project: string;

  beforeAll(async () => {
    // Each database is its own Citus cluster: the database on every node, the extension in
    // each, the workers registered from the coordinator.
    const coordinator = createKnex(parseDatabaseUrl(coordinatorUrl!, URL_VARIABLE));
    const nodes = (await coordinator.raw(`SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0 ORDER BY nodeport`)).rows as Array<{ nodename: string; nodeport: number }>;
    const self = new URL(coordinatorUrl!);
    await coordinator.destroy();
    for (const port of [Number(self.port), ...nodes.map((n) => n.nodeport)]) {
      const nodeUrl = new URL(coordinatorUrl!);
      nodeUrl.port = String(port);
      const psql = (db: string, sql: string) => spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', withDatabase(nodeUrl.toString(), db), '-c', sql], { encoding: 'utf8' });
      psql('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      expect(psql('postgres', `CREATE DATABASE ${database}`).stderr).toBe('');
      expect(psql(database, 'CREATE EXTENSION citus').status).toBe(0);
    }
    url = withDatabase(coordinatorUrl!, database);
    knex = createKnex(parseDatabaseUrl(url, URL_VARIABLE));
    await knex.raw('SELECT citus_set_coordinator_host(?, ?)', [self.hostname, Number(self.port)]);
    for (const n of nodes) await knex.raw('SELECT citus_add_node(?, ?)', [n.nodename, n.nodeport]);
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-citus-enpyco-'));
    fs.cpSync(ENPYCO, project, { recursive: true });
    const config = JSON.parse(fs.readFileSync(path.join(project, 'tenantseed.config.json'), 'utf8'));
    delete config.$schema;
    fs.writeFileSync(path.join(project, 'tenantseed.config.json'), JSON.stringify(config));
  });
  afterAll(async () => {
    await knex?.destroy();
  });

  it('migrates (distributing on its own), resets twice and validates; tenant add too', async () => {
    const cli = (args: string[]) => runCli(args, { cwd: project, env: { DATABASE_URL: url, CI: 'true' }, timeoutMs: 300_000 });
    const migrate = await cli(['migrate', 'latest']);
    expect(migrate.stderr).not.toMatch(/^error/m);
    expect(migrate.code).toBe(0);
    expect(migrate.stderr).toMatch(/Citus: distributed \d+ table\(s\)/);
    for (const seed of ['1', '2']) {
      const reset = await cli(['reset', '--env', 'development', '--seed', seed, '--yes']);
      expect(reset.stderr).not.toMatch(/^error/m);
      expect(reset.code).toBe(0);
      expect(reset.stdout).toMatch(/Validation passed: 7 checks passed\./);
      expect(reset.stdout).toMatch(/isolation .* as enpyco_app/);
    }
    const partitions = (await knex.raw(`SELECT logicalrelid::text AS t, partmethod::text AS m, column_to_column_name(logicalrelid, partkey) AS c FROM pg_dist_partition ORDER BY 1`)).rows;
    expect(partitions.filter((p: { m: string }) => p.m === 'h').map((p: { t: string; c: string }) => `${p.t}:${p.c}`).sort())
      .toEqual(['block_files:company_id', 'content_blocks:company_id', 'files:company_id', 'projects:company_id', 'sections:company_id', 'users:company_id']);
    expect(partitions.filter((p: { m: string }) => p.m === 'n').map((p: { t: string }) => p.t)).toEqual(['companies']);
    const added = await cli(['tenant', 'add', '--env', 'development', '--slug', 'newco', '--name', 'New Co']);
    expect(added.code).toBe(0);
    expect((await cli(['validate', '--env', 'development'])).code).toBe(0);
  });

  it('refuses to roll back what Citus cannot make local again (identity columns), naming the table and reset, changing nothing', async () => {
    const cli = (args: string[]) => runCli(args, { cwd: project, env: { DATABASE_URL: url, CI: 'true' }, timeoutMs: 300_000 });
    const distributed = async () => count(knex, `SELECT count(*) AS n FROM pg_dist_partition WHERE logicalrelid::text NOT LIKE 'tenantseed.%'`);
    expect(await distributed()).toBe(7);
    const rollback = await cli(['migrate', 'rollback', '--all', '--env', 'development']);
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toMatch(/Citus cannot make public\.\w+ \(or a table tied to it by a foreign key\) local again/);
    expect(rollback.stderr).toMatch(/tenantseed reset/);
    expect(await distributed()).toBe(7);
    expect((await cli(['migrate', 'status'])).stdout).toMatch(/2 applied, 0 pending/);
  });
});
