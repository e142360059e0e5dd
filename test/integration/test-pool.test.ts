import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, markedDatabases, POOL_PREFIX, settleTestDatabases, TEST_SERVER_URL_VARIABLE } from '../../src/testing';
import { formatMarker } from '../../src/testing/database-marker';
import { testServer } from '../support/database';
import { onServer } from '../support/on-server';
import { editedDefinitions, SHIPPED_DEFINITIONS } from '../support/datasets';
import { REPO_ROOT, runCli } from '../support/run-cli';

const exists = (name: string) => onServer(async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
const nameOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));

/** The testing API's pool, clean-up and template handling, on the run's server. */
describe('the test database pool', () => {
  // Definitions of their own, so that this file's template key is its own.
  const definitions = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('users.json')!.title = 'pool test users'; });

  it('hands out clones made ahead of time, distinct and seeded, and refills the pool', async () => {
    const first = await createTestDatabase({ definitions, poolSize: 3 });
    await settleTestDatabases();
    const key = (await onServer(markedDatabases)).find((d) => d.name === nameOf(first.url))!.marker.key;
    const pooled = () => onServer(async (c) => (await c.query(`SELECT count(*)::int AS n FROM pg_database WHERE datname LIKE $1`, [`${POOL_PREFIX}${key.slice(0, 12)}\\_%`])).rows[0].n as number);
    expect(await pooled()).toBe(3);
    const handed = await Promise.all([1, 2, 3].map(() => createTestDatabase({ definitions, poolSize: 3 })));
    const names = new Set([first, ...handed].map((d) => nameOf(d.url)));
    expect(names.size).toBe(4);
    for (const db of handed) expect((await db.knex('tenants').count({ n: '*' }))[0].n).toBe(4);
    await settleTestDatabases();
    expect(await pooled()).toBe(3);
    await Promise.all([first, ...handed].map((d) => d.destroy()));
    await settleTestDatabases();
    for (const name of names) expect(await exists(name)).toBe(false);
  });

  it('copies the template\'s database settings and grants to each clone', async () => {
    const probe = await createTestDatabase({ definitions, poolSize: 0 });
    const key = (await onServer(markedDatabases)).find((d) => d.name === nameOf(probe.url))!.marker.key;
    const template = `tenantseed_tpl_${key}`;
    await probe.destroy();
    await onServer((c) => c.query(`ALTER DATABASE ${template} SET statement_timeout = '123s'`));
    try {
      const db = await createTestDatabase({ definitions, poolSize: 0 });
      expect((await db.knex.raw('SHOW statement_timeout')).rows[0].statement_timeout).toBe('123s');
      await db.destroy();
    } finally {
      await onServer((c) => c.query(`ALTER DATABASE ${template} RESET statement_timeout`));
    }
  });

  it('does not fail a test when someone holds a connection to the template', async () => {
    const probe = await createTestDatabase({ definitions, poolSize: 0 });
    const key = (await onServer(markedDatabases)).find((d) => d.name === nameOf(probe.url))!.marker.key;
    await probe.destroy();
    const template = `tenantseed_tpl_${key}`;
    await onServer((c) => c.query(`ALTER DATABASE ${template} ALLOW_CONNECTIONS true`));
    const holder = new pg.Client({ connectionString: testServer().url.replace(/\/[^/]*$/, `/${template}`) });
    holder.on('error', () => undefined);
    await holder.connect();
    try {
      const db = await createTestDatabase({ definitions, poolSize: 0 });
      expect((await db.knex('tenants').count({ n: '*' }))[0].n).toBe(4);
      await db.destroy();
    } finally {
      await holder.end().catch(() => undefined);
      await onServer((c) => c.query(`ALTER DATABASE ${template} ALLOW_CONNECTIONS false`));
    }
  }, 60_000);

  it('builds a new template when a definition changes, and prunes the old one and its pool', async () => {
    const before = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('users.json')!.title = 'before the edit'; });
    const after = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('users.json')!.title = 'after the edit'; });
    const a = await createTestDatabase({ definitions: before, poolSize: 2 });
    await settleTestDatabases();
    const keyA = (await onServer(markedDatabases)).find((d) => d.name === nameOf(a.url))!.marker.key;
    await a.destroy();
    await settleTestDatabases();
    // Time passes: the old template and its pool were made two hours ago (other tests' templates,
    // made minutes ago, stay within the bound and are not touched).
    await onServer(async (c) => {
      for (const { name, marker } of (await markedDatabases(c)).filter((d) => d.marker.key === keyA)) {
        const aged = formatMarker({ ...marker, created: new Date(Date.now() - 2 * 3_600_000).toISOString() });
        await c.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(name)} IS ${pg.escapeLiteral(aged)}`);
      }
    });
    // The next run (a process of its own) edits a definition, and prunes what is past the bound.
    const script = `
      const { createTestDatabase, settleTestDatabases } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'index.js'))});
      createTestDatabase({ definitions: ${JSON.stringify(after)}, poolSize: 0 })
        .then(async (db) => { process.stdout.write(db.url); await db.destroy(); await settleTestDatabases(); });`;
    const run = spawnSync(process.execPath, ['-e', script], { env: process.env, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const left = (await onServer(markedDatabases)).filter((d) => d.marker.key === keyA);
    expect(left).toEqual([]);
  }, 120_000);

  it('leaves nothing behind a killed run that the next run does not clean up', async () => {
    const script = `
      const { createTestDatabase } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'index.js'))});
      createTestDatabase({ definitions: ${JSON.stringify(definitions)}, poolSize: 0 }).then((db) => { process.stdout.write(db.url + '\\n'); setInterval(() => undefined, 1000); });`;
    const child = spawn(process.execPath, ['-e', script], { env: process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    const url = await new Promise<string>((resolve) => child.stdout.on('data', (c: Buffer) => resolve(c.toString().trim())));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect(await exists(nameOf(url))).toBe(true);
    const pruned = await runCli(['--database-url', testServer().url, 'test-db', 'prune']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain(`dropped ${nameOf(url)}`);
    expect(await exists(nameOf(url))).toBe(false);
  }, 60_000);
});

describe('parallel jest workers', () => {
  it('give 4 workers x many files distinct databases with the right data, and keep a failing file\'s database', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-workers-'));
    const api = JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'index.js'));
    for (let i = 0; i < 12; i++) {
      fs.writeFileSync(path.join(dir, `file${i}.test.js`), `
        const { createTestDatabase } = require(${api});
        let db;
        beforeAll(async () => { db = await createTestDatabase(); });
        afterAll(() => db.destroy());
        test('seeded and its own', async () => {
          const rows = await db.knex('tenants').count({ n: '*' });
          expect(Number(rows[0].n)).toBe(4);
          require('fs').appendFileSync(${JSON.stringify(path.join(dir, 'names.txt'))}, db.url.split('/').pop() + '\\n');
        });`);
    }
    fs.writeFileSync(path.join(dir, 'failing.test.js'), `
      const { createTestDatabase } = require(${api});
      let db;
      beforeAll(async () => { db = await createTestDatabase({ keepOnFailure: true }); });
      afterAll(() => db.destroy());
      test('fails on purpose', () => { expect(1).toBe(2); });`);
    fs.writeFileSync(path.join(dir, 'jest.config.js'), `module.exports = { rootDir: ${JSON.stringify(dir)}, testEnvironment: ${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src', 'testing', 'jest-environment.js'))}, testTimeout: 60000 };`);
    const jest = path.join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
    const run = spawnSync(process.execPath, [jest, '--config', path.join(dir, 'jest.config.js'), '--maxWorkers=4'], {
      cwd: dir, encoding: 'utf8', env: { ...process.env, [TEST_SERVER_URL_VARIABLE]: testServer().url }, timeout: 240_000,
    });
    expect(run.stderr).toMatch(/Tests: {7}1 failed, 12 passed, 13 total/);
    const names = fs.readFileSync(path.join(dir, 'names.txt'), 'utf8').trim().split('\n');
    expect(new Set(names).size).toBe(12);
    const kept = /kept for inspection: (\S+)/.exec(run.stderr);
    expect(kept).not.toBeNull();
    const keptName = nameOf(kept![1]);
    expect(await exists(keptName)).toBe(true);
    expect((await onServer(markedDatabases)).find((d) => d.name === keptName)?.marker.kind).toBe('kept');
    await onServer((c) => c.query(`DROP DATABASE ${pg.escapeIdentifier(keptName)} WITH (FORCE)`));
  }, 300_000);
});

