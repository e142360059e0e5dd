import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureBookkeeping, migrate } from '../../src/db';
import { useFileDatabase } from '../support/database';
import { editedDefinitions, SHIPPED_DEFINITIONS, SHIPPED_ENVIRONMENTS } from '../support/datasets';
import { hasStackTrace, runCli } from '../support/run-cli';

function environmentsWith(name: string, text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-bad-env-'));
  for (const file of fs.readdirSync(SHIPPED_ENVIRONMENTS)) fs.copyFileSync(path.join(SHIPPED_ENVIRONMENTS, file), path.join(dir, file));
  fs.writeFileSync(path.join(dir, `${name}.json`), text);
  return dir;
}

function profileWith(edit: (p: Record<string, any>) => void): string {
  const json = JSON.parse(fs.readFileSync(path.join(SHIPPED_ENVIRONMENTS, 'test.json'), 'utf8'));
  edit(json);
  return environmentsWith('test', JSON.stringify(json));
}

describe('bad input: exit 2, the culprit named, no stack trace, nothing written', () => {
  const db = useFileDatabase();
  // A migrated database, so that "nothing written" means something: seed could write here.
  let before = '';
  // Exact row counts of every table: pg_stat_user_tables's n_live_tup is flushed by each backend
  // up to seconds later, so a snapshot taken right after migrating could miss the migration's rows
  // and differ from a later one with nothing written in between (seen in CI).
  const contents = async () => {
    const tables = (await db.knex.raw(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`)).rows as Array<{ name: string }>;
    const counts: string[] = [];
    for (const { name } of tables) counts.push(`${name}: ${(await db.knex.raw(`SELECT count(*)::int AS n FROM ${name}`)).rows[0].n}`);
    return counts.join(', ');
  };
  beforeAll(async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    await ensureBookkeeping(db.knex);
    before = await contents();
  });

  const cases: Array<[string, () => { args: string[]; cleanup?: string }, RegExp]> = [
    ['a negative seed', () => ({ args: ['--seed', '-5'] }), /--seed must be a whole number from 0 up, not "-5"/],
    ['a fractional tenant count', () => ({ args: ['--tenants', '2.5'] }), /--tenants must be a whole number from 1 up, not "2.5"/],
    ['a zero tenant count', () => ({ args: ['--tenants', '0'] }), /--tenants must be a whole number from 1 up, not "0"/],
    ['a non-numeric seed', () => ({ args: ['--seed', 'abc'] }), /--seed must be a whole number from 0 up, not "abc"/],
    ['an unknown flag', () => ({ args: ['--tenant', '3'] }), /Unknown argument: (--)?tenant/],
    ['an environment name with a path in it', () => ({ args: ['--env', '../../etc/passwd'] }), /--env "..\/..\/etc\/passwd" is not a valid environment name/],
    ['--env given twice', () => ({ args: ['--env', 'test', '--env', 'staging'] }), /--env was given 2 times/],
    ['malformed JSON in a profile', () => {
      const dir = environmentsWith('test', '{ "seed": 1, }');
      return { args: ['--environments', dir], cleanup: dir };
    }, /test\.json is not valid JSON at line 1, column 14/],
    ['a negative count in a profile', () => {
      const dir = profileWith((p) => { p.counts.users = -1; });
      return { args: ['--environments', dir], cleanup: dir };
    }, /test\.json at \/counts\/users: must be >= 0/],
    ['a fractional count in a profile', () => {
      const dir = profileWith((p) => { p.counts.users = 1.5; });
      return { args: ['--environments', dir], cleanup: dir };
    }, /test\.json at \/counts\/users: must be integer/],
    ['malformed JSON in a definition', () => {
      const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => f.set('tenants.json', '{"x-table": "tenants"' as any));
      return { args: ['--definitions', dir], cleanup: dir };
    }, /tenants\.json is not valid JSON/],
    ['a definition referencing an unknown table', () => {
      const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('audit_logs.json')!.properties.actor_user_id['x-ref'] = 'members.id'; });
      return { args: ['--definitions', dir], cleanup: dir };
    }, /audit_logs\.json at \/properties\/actor_user_id\/x-ref: table audit_logs references members, which has no definition/],
    ['an impossible unique column', () => {
      const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('content_blocks.json')!.properties.slug['x-generate'] = { integer: [1, 3] }; });
      return { args: ['--definitions', dir, '--tenants', '3'], cleanup: dir };
    }, /column slug is unique per tenant: it needs 6 values in tenant acme, but its generator has only 3/],
  ];

  it.each(cases)('seed refuses %s', async (_label, make, message) => {
    const { args, cleanup } = make();
    try {
      const base = ['--database-url', db.target.url, 'seed', ...(args.includes('--env') ? [] : ['--env', 'test'])];
      const run = await runCli([...base, ...args], { env: { CI: 'true' } });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toMatch(/^hint: /m);
      expect(hasStackTrace(run.stderr)).toBe(false);
      // Nothing was written into the migrated database: no tenant, no user, no manifest.
      expect(await contents()).toBe(before);
      expect((await db.knex('users').count({ n: '*' }))[0].n).toBe(0);
    } finally {
      if (cleanup) fs.rmSync(cleanup, { recursive: true, force: true });
    }
  });

  it.each([
    ['mysql://root@localhost/app', /--database-url must start with postgres:\/\/ or postgresql:\/\//],
    ['postgres://[::1', /--database-url is not a valid URL/],
  ])('refuses a malformed database URL %s', async (url, message) => {
    const run = await runCli(['--database-url', url, 'seed', '--env', 'test']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
  });
});
