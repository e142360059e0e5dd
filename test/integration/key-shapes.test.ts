import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDefinitions, loadProfile } from '../../src/definitions';
import { buildPlan, Fingerprint } from '../../src/generate';
import { loadTables, writeDatasetFiles } from '../../src/load';
import { validateDatabase } from '../../src/validate';
import { useFileDatabase } from '../support/database';
import { REPO_ROOT } from '../support/run-cli';

/**
 * Keys as teams write them (test/fixtures/keys): a serial tenant root; users keyed
 * (tenant, user_id, email) with user_id an int4 identity made referenceable by a unique key
 * (tenant, user_id); profiles keyed by a varchar profiles_id; sessions keyed by a cuid alone;
 * api_tokens by a bigserial; composite foreign keys (tenant, user_id) and (tenant, profile)
 * through all of them, declared in the database.
 */
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'keys');

describe('key shapes (test/fixtures/keys)', () => {
  const db = useFileDatabase();
  const rows = async (sql: string) => (await db.knex.raw(sql)).rows as Array<Record<string, unknown>>;

  it('takes the id of a key whose last column is not the id from the unique key', () => {
    const definitions = loadDefinitions(path.join(FIXTURE, 'definitions'));
    expect(Object.fromEntries(definitions.tables.map((t) => [t.table, t.idColumn]))).toEqual({
      tenants: 'tenant_id', users: 'user_id', profiles: 'profiles_id', sessions: 'session_id', api_tokens: 'api_tokens_id',
    });
  });

  it('generates, loads into the constrained tables, validates, and reloads its SQL files', async () => {
    await db.knex.raw(fs.readFileSync(path.join(FIXTURE, 'schema.sql'), 'utf8'));
    const plan = buildPlan({ definitions: loadDefinitions(path.join(FIXTURE, 'definitions')), profile: loadProfile(path.join(FIXTURE, 'environments'), 'test') });
    const load = (deferConstraints: boolean) => db.knex.transaction(async (trx) => {
      const client = await trx.client.acquireConnection();
      return loadTables({ client, tables: plan.tables, fingerprint: new Fingerprint(plan.generatorVersion), deferConstraints });
    });
    // Into the fully constrained tables: every composite foreign key is checked row by row.
    const loaded = await load(false);
    expect(loaded.rows).toBe(4 + 4 * 4 + 4 * 3 + 4 * 5 + 4 * 2);
    const validate = async () => {
      const report = await validateDatabase({ knex: db.knex, definitions: plan.definitions, checks: ['foreign-keys', 'tenant-consistency', 'json-schema'] });
      expect(report.checks.filter((c) => !c.ok).map((c) => c.details.findings)).toEqual([]);
    };
    await validate();

    // int4 ids: deterministic, in a block per tenant that fits the column; the tenants 1..4.
    expect((await rows('SELECT tenant_id FROM tenants ORDER BY 1')).map((r) => r.tenant_id)).toEqual([1, 2, 3, 4]);
    const users = await rows('SELECT max(user_id) AS max, min(user_id) AS min FROM users');
    expect(Number(users[0].max)).toBeLessThanOrEqual(2147483647);
    expect(Number(users[0].min)).toBe(2 ** 20 + 1);
    // The named user keeps its email, and email is no id: every reference is a user_id.
    expect((await rows(`SELECT count(*)::int AS n FROM users WHERE email = 'admin@north.test'`))[0].n).toBe(1);
    expect((await rows('SELECT length(profiles_id) AS n FROM profiles LIMIT 1'))[0].n).toBe(20);
    expect((await rows('SELECT count(*)::int AS n FROM sessions s JOIN profiles p ON (p.tenant, p.profiles_id) = (s.tenant, s.profile)'))[0].n).toBe(20);
    // Identity and serial sequences moved past the loaded ids: the application can insert.
    const next = await rows(`INSERT INTO users (tenant, email) VALUES (1, 'new@north.test') RETURNING user_id`);
    expect(Number(next[0].user_id)).toBeGreaterThan(Number(users[0].max));
    await db.knex.raw(`DELETE FROM users WHERE email = 'new@north.test'`);
    const token = await rows(`INSERT INTO api_tokens (tenant, user_id, label) SELECT tenant, user_id, 'new' FROM users LIMIT 1 RETURNING api_tokens_id`);
    expect(Number(token[0].api_tokens_id)).toBeGreaterThan(Number((await rows(`SELECT max(api_tokens_id) AS m FROM api_tokens WHERE label <> 'new'`))[0].m));
    await db.knex.raw(`DELETE FROM api_tokens WHERE label = 'new'`);

    // The SQL files (GENERATED ALWAYS ids included) load into the emptied tables, in file order.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-keys-'));
    try {
      await writeDatasetFiles({ plan, directory: path.join(out, 'sql'), format: 'sql' });
      await db.knex.raw('TRUNCATE tenants, users, profiles, sessions, api_tokens');
      for (const file of fs.readdirSync(path.join(out, 'sql')).filter((f) => f.endsWith('.sql')).sort()) {
        await db.knex.raw(fs.readFileSync(path.join(out, 'sql', file), 'utf8').replace(/\?/g, '\\?'));
      }
      expect((await rows('SELECT count(*)::int AS n FROM sessions'))[0].n).toBe(20);
      await validate();
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
