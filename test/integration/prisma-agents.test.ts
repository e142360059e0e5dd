import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { REPO_ROOT, runCli } from '../support/run-cli';
import { applyPrismaMigrations } from '../support/fixture-project';

/**
 * A Prisma project (test/fixtures/prisma-agents, from shared/seeds/002) as Prisma writes it:
 * quoted PascalCase tables ("Tenant", "User", "Agent"), camelCase columns ("tenantId",
 * "createdAt", "updatedAt"), TEXT cuid ids keyed by "id" alone, enum columns and an enum array
 * ("agentRoles" "AgentRole"[]), a JSONB column, its _prisma_migrations ledger, and a hand-written
 * RLS migration. The definitions are written by hand, naming everything as the catalog does;
 * the real CLI seeds, validates (every check) and generates.
 */
const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'prisma-agents');

describe('a Prisma project (test/fixtures/prisma-agents)', () => {
  const db = useFileDatabase();
  // The application role is the server's: a name of this run's own.
  const appRole = `agents_app_${process.pid}`;
  let project: string;

  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-prisma-'));
    fs.cpSync(FIXTURE, project, { recursive: true });
    for (const file of ['tenantseed.config.json', 'prisma/migrations/20260206130000_row_level_security/migration.sql']) {
      const full = path.join(project, file);
      fs.writeFileSync(full, fs.readFileSync(full, 'utf8').replace(/agents_app/g, appRole));
    }
  });
  afterAll(async () => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runCli(args, { cwd: project, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });

  it('migrates as prisma migrate deploy does, then seeds, validates and generates with no edit', async () => {
    // What `prisma migrate deploy` leaves: its ledger, and each migration.sql applied.
    await applyPrismaMigrations(db.knex, project);
    try {
      const seed = await cli(['seed', '--env', 'test']);
      expect(seed.stderr).not.toMatch(/^error:/m);
      expect(seed.code).toBe(0);
      const count = async (sql: string) => Number((await db.knex.raw(sql)).rows[0].n);
      expect(await count('SELECT count(*) AS n FROM "Tenant"')).toBe(3);
      expect(await count('SELECT count(*) AS n FROM "User"')).toBe(12);
      expect(await count(`SELECT count(*) AS n FROM "User" WHERE "agentRoles" @> ARRAY['pm']::"AgentRole"[] AND email = 'admin@acme.test'`)).toBe(1);
      expect(await count(`SELECT count(*) AS n FROM "User" WHERE "id" !~ '^c[0-9a-z]{24}$'`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM "User" WHERE "updatedAt" < "createdAt"`)).toBe(0);
      // "lastActive" comes before "createdAt" in the table, and is made after it all the same.
      expect(await count(`SELECT count(*) AS n FROM "Agent" WHERE "lastActive" < "createdAt"`)).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM "Agent" WHERE "lastActive" IS NOT NULL`)).toBeGreaterThan(0);
      expect(await count('SELECT count(*) AS n FROM "_prisma_migrations"')).toBe(2);

      // Every proof passes, and validate exits 0. The design rules Prisma's keys do not follow
      // (keys without "tenantId") are advice, with their rule ids and severities.
      const validate = await cli(['validate', '--env', 'test', '--json']);
      expect(validate.code).toBe(0);
      const report = JSON.parse(validate.stdout) as { advice: Array<{ rule: string; severity: string; message: string }>; checks: Array<{ name: string; ok: boolean; details: { summary: string; findings: Array<{ table?: string; message: string }> } }> };
      const failed = report.checks.filter((c) => !c.ok);
      expect(failed.map((c) => c.name)).toEqual([]);
      expect(report.checks.map((c) => c.name)).toEqual(['schema', 'row-counts', 'foreign-keys', 'tenant-consistency', 'isolation', 'legacy-absorption', 'json-schema']);
      expect(report.checks.find((c) => c.name === 'isolation')!.details.summary).toMatch(new RegExp(`3 tenants x 2 tables as ${appRole}`));
      expect(report.checks.find((c) => c.name === 'json-schema')!.details.summary).toMatch(/User: all 12 rows; Agent: all 9 rows/);
      expect(report.advice.length).toBeGreaterThan(0);
      // Agent.ownerId references User(id) alone: an agent of one tenant may name another tenant's user.
      const [reference, ...keys] = [...report.advice].sort((a, b) => (a.rule === 'TS-K03' ? -1 : b.rule === 'TS-K03' ? 1 : 0));
      expect(reference).toMatchObject({ rule: 'TS-K03', severity: 'medium', message: 'foreign key Agent_ownerId_fkey (ownerId) references User without tenantId: a row may point at another tenant\'s row' });
      for (const advice of keys) expect(advice).toMatchObject({ rule: expect.stringMatching(/^TS-K0[12]$/), severity: 'low', message: expect.stringMatching(/lacks tenantId/) });

      const out = (n: number) => path.join(project, `out${n}`);
      for (const n of [1, 2]) expect((await cli(['generate', '--env', 'test', '--out', out(n), '--format', 'sql'])).code).toBe(0);
      const files = fs.readdirSync(out(1)).filter((f) => f.endsWith('.sql')).sort();
      expect(files).toEqual(['01_Tenant.sql', '02_User.sql', '03_Agent.sql']);
      for (const f of files) expect(fs.readFileSync(path.join(out(2), f), 'utf8')).toBe(fs.readFileSync(path.join(out(1), f), 'utf8'));
      expect(fs.readFileSync(path.join(out(1), '02_User.sql'), 'utf8')).toMatch(/INSERT INTO "User" \("id", "email", "name", "role", "tenantId", "agentRoles", "createdAt", "updatedAt"\)/);
    } finally {
      // The database goes with the file; its grants to the role with it. Then the role.
      await db.knex.raw(`DROP OWNED BY "${appRole}"`);
      await db.knex.raw(`DROP ROLE IF EXISTS "${appRole}"`);
    }
  }, 180_000);
});
