import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { hasStackTrace, runCli } from '../support/run-cli';
import { schemaSnapshot } from '../support/schema-snapshot';

/**
 * Issue 28, "no config, no guessing": run from a folder without tenantseed.config.json, the
 * shipped reference schema must not stand in for a team's schema it did not build.
 */
describe('a database command without a project config', () => {
  const db = useFileDatabase();
  let folder: string;
  beforeAll(() => { folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-no-config-')); });
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
  const cli = (args: string[]) => runCli(['--database-url', db.target.url, ...args], { cwd: folder, env: { CI: 'true' } });
  const picture = async () => [
    ...(await schemaSnapshot(db.knex)),
    ...(await db.knex.raw(`SELECT format('type %s', typname) AS t FROM pg_type WHERE typnamespace = 'public'::regnamespace AND typtype = 'e'`)).rows.map((r: { t: string }) => r.t),
    JSON.stringify((await db.knex.raw('SELECT * FROM public."Account" ORDER BY "accountId"')).rows),
    JSON.stringify((await db.knex.raw('SELECT * FROM public."_prisma_migrations"')).rows),
  ];

  it('refuses reset --yes on a database with tables the shipped schema does not know (exit 3), naming the config it looked for and the tables, and changes nothing', async () => {
    await db.knex.raw(`CREATE TYPE public."Plan" AS ENUM ('FREE', 'PRO');
      CREATE TABLE public."_prisma_migrations" (id text PRIMARY KEY, migration_name text NOT NULL);
      INSERT INTO public."_prisma_migrations" VALUES ('1', '20240101_init');
      CREATE TABLE public."Account" ("accountId" text PRIMARY KEY, "plan" public."Plan" NOT NULL, "createdAt" timestamptz NOT NULL DEFAULT now());
      INSERT INTO public."Account" ("accountId", "plan", "createdAt") SELECT 'a' || g, 'PRO', '2024-01-01' FROM generate_series(1, 15) g`);
    const before = await picture();
    for (const args of [['reset', '--env', 'test', '--yes'], ['seed', '--env', 'test', '--yes'], ['migrate', 'latest']]) {
      const run = await cli(args);
      expect(run.code).toBe(3);
      expect(run.stderr.split('\n')[0]).toBe('Project: the shipped reference schema');
      expect(run.stderr).toMatch(/no project config was found \(looked for tenantseed\.config\.json in \S+tenantseed-no-config-\S+ and every folder above it/);
      expect(run.stderr).toMatch(/TENANTSEED_CONFIG not set/);
      expect(run.stderr).toMatch(/^\s+public\."Account"$/m);
      expect(run.stderr).toMatch(/--config/);
      expect(run.stderr).toMatch(/Nothing was changed/);
      expect(hasStackTrace(run.stderr)).toBe(false);
      expect(await picture()).toEqual(before);
    }
  }, 120_000);

  it('lets validate read it (it writes nothing), and says first which project it runs', async () => {
    const run = await cli(['validate', '--env', 'test']);
    expect(run.stderr.split('\n')[0]).toBe('Project: the shipped reference schema');
    expect(run.stderr).not.toMatch(/no project config was found/);
    expect(run.code).not.toBe(3);
  }, 60_000);

  it('introspect says no project runs yet (it drafts one), not the shipped reference schema', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-no-config-introspect-'));
    try {
      const run = await runCli(['--database-url', db.target.url, 'introspect', '--out', 'db'], { cwd: out, env: { CI: 'true' } });
      expect(run.stderr.split('\n')[0]).toBe('Project: none yet (introspect drafts tenantseed.config.json here)');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);

  it('uses the shipped schema on a database that its own migrations built', async () => {
    await db.knex.raw('DROP TABLE public."Account"; DROP TABLE public."_prisma_migrations"; DROP TYPE public."Plan"');
    const migrated = await cli(['migrate', 'latest']);
    expect(migrated.code).toBe(0);
    const reset = await cli(['reset', '--env', 'test', '--yes', '--json']);
    expect(reset.code).toBe(0);
    expect(JSON.parse(reset.stdout.trim().split('\n').pop()!).project).toBe('the shipped reference schema');
  }, 120_000);
});
