import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * Partitioned tables, as teams write them for events and audit trails: PostgreSQL makes a
 * partitioned table's primary key hold its partition column, so the key is `(tenant, id,
 * occurred_at)` or `(tenant, id, region)`, and every partition holds copies of its parent's
 * foreign keys. The draft keys such a table by `id` (not by the date or the region), reset reads
 * the copies as the parent's own keys (not as keys of tables without a definition), and validate
 * probes the parent, whose policies guard every partition read through it. A partition the
 * application role may name directly is read without those policies: that fails the schema check.
 */
describe('partitioned tables: keyed by their id, loaded through the parent, a directly readable partition found', () => {
  const appRole = `part_app_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await db.knex.raw(`DROP OWNED BY ${appRole}`).catch(() => undefined);
    await db.knex.raw(`DROP ROLE IF EXISTS ${appRole}`);
  });
  const db = useFileDatabase();
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-partitions-'));
  const cli = (args: string[]) => runCli(args, { cwd, env: { DATABASE_URL: db.target.url }, timeoutMs: 180_000 });

  beforeAll(async () => {
    await db.knex.raw(`CREATE ROLE ${appRole} NOLOGIN`);
    await db.knex.raw(`
      CREATE TABLE accounts (id bigserial PRIMARY KEY, slug text NOT NULL UNIQUE, name text NOT NULL);
      CREATE TABLE members (id bigserial PRIMARY KEY, account_id bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        email text NOT NULL, UNIQUE (account_id, email));
      CREATE TABLE events (account_id bigint NOT NULL REFERENCES accounts (id), id bigserial, occurred_at timestamptz NOT NULL,
        kind text NOT NULL, member_id bigint REFERENCES members (id), PRIMARY KEY (account_id, id, occurred_at)) PARTITION BY RANGE (occurred_at);
      CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY HASH (account_id);
      CREATE TABLE events_2025_a PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
      CREATE TABLE events_2025_b PARTITION OF events_2025 FOR VALUES WITH (MODULUS 2, REMAINDER 1);
      CREATE TABLE events_default PARTITION OF events DEFAULT;
      CREATE TABLE usage (account_id bigint NOT NULL REFERENCES accounts (id), id uuid NOT NULL DEFAULT gen_random_uuid(), region text NOT NULL,
        units integer NOT NULL CHECK (units >= 0), PRIMARY KEY (account_id, id, region)) PARTITION BY LIST (region);
      CREATE TABLE usage_eu PARTITION OF usage FOR VALUES IN ('eu');
      CREATE TABLE usage_other PARTITION OF usage DEFAULT;
      ALTER TABLE members ENABLE ROW LEVEL SECURITY;
      ALTER TABLE events ENABLE ROW LEVEL SECURITY;
      ALTER TABLE usage ENABLE ROW LEVEL SECURITY;
      CREATE POLICY members_account ON members USING (account_id = current_setting('app.account_id', true)::bigint);
      CREATE POLICY events_account ON events USING (account_id = current_setting('app.account_id', true)::bigint);
      CREATE POLICY usage_account ON usage USING (account_id = current_setting('app.account_id', true)::bigint);
      GRANT SELECT, INSERT, UPDATE, DELETE ON members, events, usage TO ${appRole};
    `);
  });

  it('introspect drafts the parents keyed by id with no hand edit, and reset then validate pass', async () => {
    const introspect = await cli(['introspect', '--out', 'db']);
    expect(introspect.stderr).not.toMatch(/^error/m);
    expect(introspect.stdout).toMatch(/^0 hand edits\.$/m);
    expect(introspect.code).toBe(0);
    expect(fs.readdirSync(path.join(cwd, 'db', 'definitions')).sort()).toEqual(['accounts.json', 'events.json', 'members.json', 'usage.json']);
    // The id is drafted as an id (made unique by tenantseed), not as a value from a small range.
    const draft = (table: string) => JSON.parse(fs.readFileSync(path.join(cwd, 'db', 'definitions', `${table}.json`), 'utf8')) as { properties: Record<string, unknown> };
    expect(draft('events').properties.id).toEqual({ type: 'integer' });
    expect(draft('usage').properties.id).toEqual({ type: 'string', format: 'uuid' });
    const reset = await cli(['reset', '--env', 'development', '--yes']);
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.code).toBe(0);
    const ids = await db.knex.raw('SELECT count(*)::int AS rows, count(DISTINCT id)::int AS ids FROM events');
    expect(ids.rows[0].rows).toBeGreaterThan(0);
    expect(ids.rows[0].ids).toBe(ids.rows[0].rows);
    const validate = await cli(['validate', '--env', 'development', '--json']);
    const report = JSON.parse(validate.stdout) as { checks: Array<{ name: string; ok: boolean; details: { summary: string } }> };
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
    expect(report.checks.find((c) => c.name === 'isolation')!.details.summary).toMatch(new RegExp(`3 tenants x 3 tables as ${appRole}`));
    expect(validate.code).toBe(0);
  });

  it('fails the schema check for a partition, at any depth, that the application role may name directly', async () => {
    await db.knex.raw(`GRANT SELECT ON events_2025_b, usage_eu TO ${appRole}`);
    try {
      const validate = await cli(['validate', '--env', 'development', '--json']);
      const report = JSON.parse(validate.stdout) as { checks: Array<{ name: string; ok: boolean; details: { findings?: Array<{ table: string; message: string }> } }> };
      const schema = report.checks.find((c) => c.name === 'schema')!;
      expect(schema.details.findings).toEqual([
        { table: 'events_2025_b', message: `${appRole} may read the partition events_2025_b of events directly, and it has no row-level security of its own: a query naming it skips the policies of events and sees every tenant's rows in it` },
        { table: 'usage_eu', message: `${appRole} may read the partition usage_eu of usage directly, and it has no row-level security of its own: a query naming it skips the policies of usage and sees every tenant's rows in it` },
      ]);
      expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['schema']);
      expect(validate.code).toBe(1);
      // Its own row-level security (no policy: nothing visible) closes it.
      await db.knex.raw('ALTER TABLE events_2025_b ENABLE ROW LEVEL SECURITY; ALTER TABLE usage_eu ENABLE ROW LEVEL SECURITY');
      expect((await cli(['validate', '--env', 'development'])).code).toBe(0);
    } finally {
      await db.knex.raw(`REVOKE SELECT ON events_2025_b, usage_eu FROM ${appRole}`);
      await db.knex.raw('ALTER TABLE events_2025_b DISABLE ROW LEVEL SECURITY; ALTER TABLE usage_eu DISABLE ROW LEVEL SECURITY');
    }
  });
});
