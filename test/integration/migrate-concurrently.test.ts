import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { testServer } from '../support/database';
import { writeKnexProject, KnexProject } from '../support/knex-project';
import { CLI, runCli } from '../support/run-cli';

const sleepMigration = (seconds: number) => `exports.up = async function (knex) {
  await knex.raw('SELECT pg_sleep(${seconds})');
};

exports.down = async function () {};
`;

async function advisoryLocks(knex: Knex): Promise<number> {
  const result = await knex.raw(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
  return result.rows[0].n;
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

describe('migrate latest with CREATE INDEX CONCURRENTLY (transaction: false migrations)', () => {
  let dir: string;
  let project: KnexProject;
  let scratch: ScratchDatabase;
  let knex: Knex;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-cic-'));
    project = writeKnexProject(dir, { migrations: 14, tables: 3, concurrentEvery: 4 });
    scratch = await createScratchDatabase(testServer());
    knex = createKnex(scratch.target);
  });

  afterEach(async () => {
    await knex.destroy();
    await scratch.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const migrateLatest = () => runCli(['--database-url', scratch.target.url, 'migrate', 'latest'], { cwd: dir, env: { CI: 'true' }, timeoutMs: 60_000 });

  it('completes, building the indexes concurrently, and holds no lock afterwards', async () => {
    expect(project.nonTransactional.length).toBeGreaterThanOrEqual(2);
    const run = await migrateLatest();
    // A hang is killed at the bound: signal SIGKILL, no exit code.
    expect(run.signal).toBeNull();
    expect(run.stderr).toContain(`Project: ${project.config}`);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/14 applied, 0 pending/);
    const indexes = await knex.raw(`SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname LIKE '%_tenant_created_%' ORDER BY 1`);
    expect(indexes.rows).toHaveLength(project.nonTransactional.length);
    expect(indexes.rows.every((r: { indisvalid: boolean }) => r.indisvalid)).toBe(true);
    expect(await advisoryLocks(knex)).toBe(0);
    expect((await knex.raw('SELECT is_locked FROM tenantseed.knex_migrations_lock')).rows).toEqual([{ is_locked: 0 }]);
  });

  it('runs one migrate at a time: a second run waits, then finds nothing to do', async () => {
    // Early and slow, so that the second run starts while the first holds the lock.
    fs.writeFileSync(path.join(project.migrations, '20210101000001_slow.cjs'), sleepMigration(6));
    const [a, b] = await Promise.all([migrateLatest(), migrateLatest()]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const outputs = [a, b];
    expect(outputs.filter((r) => /Applied 15 migration\(s\)/.test(r.stdout))).toHaveLength(1);
    expect(outputs.filter((r) => /^Nothing to do/.test(r.stdout))).toHaveLength(1);
    expect(outputs.filter((r) => /Waiting for another migration to finish: "tenantseed migrate \[\d+\]"/.test(r.stderr))).toHaveLength(1);
    const rows = await knex.raw('SELECT name, count(*)::int AS n FROM tenantseed.knex_migrations GROUP BY name HAVING count(*) > 1');
    expect(rows.rows).toEqual([]);
    expect((await knex.raw('SELECT count(*)::int AS n FROM tenantseed.knex_migrations')).rows[0].n).toBe(15);
  });

  it('leaves no lock behind when killed (SIGKILL) mid-run, and the next run completes', async () => {
    // Last, after the concurrent index builds: Knex holds its lock row (committed) while it sleeps.
    fs.writeFileSync(path.join(project.migrations, '20991231000000_slow.cjs'), sleepMigration(15));
    const child = spawn(process.execPath, [CLI, '--database-url', scratch.target.url, 'migrate', 'latest'], {
      cwd: dir, env: { ...process.env, CI: 'true' }, stdio: 'ignore',
    });
    try {
      const sleeping = await until(async () => (await knex.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'SELECT pg_sleep(15)%' AND state = 'active'`)).rows[0].n > 0, 45_000);
      expect(sleeping).toBe(true);
      expect(await advisoryLocks(knex)).toBe(1);
      expect((await knex.raw('SELECT is_locked FROM tenantseed.knex_migrations_lock')).rows).toEqual([{ is_locked: 1 }]);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((resolve) => child.once('close', resolve));
    // The idle lock session ends as soon as the server reads the closed connection: the lock goes at once.
    expect(await until(async () => (await advisoryLocks(knex)) === 0, 5_000)).toBe(true);
    // The sleeping statement notices only when it ends (client_connection_check_interval is off by default).
    expect(await until(async () => (await knex.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'tenantseed migrate%'`)).rows[0].n === 0, 30_000)).toBe(true);
    fs.writeFileSync(path.join(project.migrations, '20991231000000_slow.cjs'), sleepMigration(0));
    const again = await migrateLatest();
    expect(again.stderr).toMatch(/Freed Knex's migration lock row, left set by a run that ended without releasing it/);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/15 applied, 0 pending/);
    expect(await advisoryLocks(knex)).toBe(0);
  }, 120_000);
});
