import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createTestDatabase, TestDatabase, withTenant } from '../../src';
import { editedDefinitions, SHIPPED_DEFINITIONS } from '../support/datasets';
import { REPO_ROOT, runCli } from '../support/run-cli';
import { testServer } from '../support/database';

describe('createTestDatabase', () => {
  const opened: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.destroy()));
  });
  const open = async (options?: Parameters<typeof createTestDatabase>[0]) => {
    const db = await createTestDatabase(options);
    opened.push(db);
    return db;
  };

  it('hands out independent copies of the seeded test dataset with the same fixture ids', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    expect(a.url).not.toBe(b.url);
    expect(a.fixtures.tenant('acme').id).toBe(b.fixtures.tenant('acme').id);
    const acme = a.fixtures.tenant('acme');
    expect((await a.knex('tenants').where({ id: acme.id }).first()).slug).toBe('acme');
    await a.knex('audit_logs').del();
    expect((await a.knex('audit_logs').count({ n: '*' }))[0].n).toBe(0);
    expect((await b.knex('audit_logs').count({ n: '*' }))[0].n).toBe(36);
  });

  it('gives the ids that tenantseed generate writes', async () => {
    const db = await open();
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-fixtures-'));
    try {
      expect((await runCli(['generate', '--env', 'test', '--out', path.join(out, 'g'), '--format', 'json'])).code).toBe(0);
      const dir = path.join(out, 'g');
      const read = (table: string) => JSON.parse(fs.readFileSync(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(`_${table}.json`))!), 'utf8'));
      expect(read('tenants').find((t: { slug: string }) => t.slug === 'globex').id).toBe(db.fixtures.tenant('globex').id);
      const admin = read('users').find((u: { email: string }) => u.email === 'admin@acme.test');
      expect(db.fixtures.user('admin@acme.test')).toMatchObject({ id: admin.id, tenantId: admin.tenant_id, email: 'admin@acme.test', role: 'admin' });
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('looks fixtures up synchronously, never exposes plaintext passwords, and lists the known names for an unknown one', async () => {
    const db = await open();
    expect(db.fixtures.user('admin@acme.test')).not.toHaveProperty('password');
    expect(() => db.fixtures.tenant('umbrella')).toThrow('No tenant named "umbrella" in the test dataset. Known: acme, globex, initech');
    expect(() => db.fixtures.user('shared@example.com')).toThrow(/names a user in several tenants \(acme, globex\)/);
  });

  it('works from a plain Node script with no globalSetup, which exits by itself after destroy()', async () => {
    const script = `
      const { createTestDatabase } = require(${JSON.stringify(path.join(REPO_ROOT, 'dist', 'src'))});
      createTestDatabase().then(async (db) => { console.log(db.fixtures.tenant('acme').id); await db.destroy(); });`;
    const env: NodeJS.ProcessEnv = { ...process.env, TEST_DATABASE_URL: testServer().url };
    delete env.TENANTSEED_TEST_SERVER_URL;
    const run = spawnSync(process.execPath, ['-e', script], { env, encoding: 'utf8', timeout: 60_000 });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe((await open()).fixtures.tenant('acme').id);
  });

  it('lets tests act as the application with withTenant', async () => {
    const db = await open();
    const acme = db.fixtures.tenant('acme');
    const users = await withTenant(db.knex, acme.id, (trx) => trx('users').select('tenant_id'));
    expect(users.length).toBe(5);
    expect(new Set(users.map((u) => u.tenant_id))).toEqual(new Set([acme.id]));
  });

  it('makes a new template when a definition changes, and reuses it while nothing changes', async () => {
    // A change unique to this run, so that its template cannot exist yet.
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (files) => {
      files.get('users.json')!.properties.name['x-faker'] = 'person.firstName';
      files.get('users.json')!.$comment = `run ${process.pid} ${Date.now()}`;
    });
    let created: string[] = [];
    try {
      const before = await open();
      const templates = async () => (await before.knex.raw(`SELECT datname FROM pg_database WHERE datname LIKE 'tenantseed_tpl_%' AND datname NOT LIKE '%_build_%' ORDER BY 1`)).rows.map((r: { datname: string }) => r.datname);
      const known = await templates();
      const changed = await Promise.all([1, 2, 3].map(() => open({ definitions: dir })));
      const after = await templates();
      created = after.filter((t: string) => !known.includes(t));
      expect(created).toHaveLength(1);
      const name = (await changed[0].knex('users').where({ email: 'admin@acme.test' }).first()).name;
      expect(name).toBe('Ada Admin');
      const generated = (await changed[0].knex('users').whereNot('email', 'like', '%.test').whereNot({ email: 'shared@example.com' }).first()).name;
      expect(generated).not.toMatch(/ /);
      await open({ definitions: dir });
      expect(await templates()).toEqual(after);
    } finally {
      // Drop this run's one-off template (nothing else is ever connected to it).
      const admin = opened[0].knex;
      for (const template of created) {
        await admin.raw(`ALTER DATABASE "${template}" IS_TEMPLATE false`);
        await admin.raw(`DROP DATABASE "${template}" WITH (FORCE)`);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('hands out databases at once in turns on its kept connection, never queueing a statement on a busy one', async () => {
    await open();
    // pg 8 queues a statement sent while the connection is busy (with a deprecation warning); pg 9 will not.
    let sent = 0;
    let queued = 0;
    const query = pg.Client.prototype.query;
    const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      sent++;
      if ((this as unknown as { _queryQueue: unknown[] })._queryQueue.length > 0) queued++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as never);
    try {
      await Promise.all([1, 2, 3].map(() => open()));
    } finally {
      spy.mockRestore();
    }
    expect(sent).toBeGreaterThan(3);
    expect(queued).toBe(0);
  });
});
