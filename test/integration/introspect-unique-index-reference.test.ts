import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * A foreign key may point at a unique INDEX rather than a unique constraint: Prisma writes every
 * `@@unique` as `CREATE UNIQUE INDEX`, and a relation `references: [id]` leans on such an index. PostgreSQL records it as the foreign key's `conindid`, so a catalog query that skipped
 * "indexes some constraint uses" skipped it too: introspect's trial load left it off the tables'
 * copies and could not add the key between them, and validate's advice missed such an index as
 * unique across tenants.
 */
describe('a foreign key that leans on a unique index, as Prisma writes @unique', () => {
  const appRole = `uidx_app_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    await db.knex.raw(`DROP OWNED BY ${appRole}`).catch(() => undefined);
    await db.knex.raw(`DROP ROLE IF EXISTS ${appRole}`);
  });
  const db = useFileDatabase();

  beforeAll(async () => {
    await db.knex.raw(`CREATE ROLE ${appRole} NOLOGIN`);
    await db.knex.raw(`
      CREATE TABLE "Org" ("id" uuid NOT NULL, "slug" text NOT NULL, "name" text NOT NULL, CONSTRAINT "Org_pkey" PRIMARY KEY ("id"));
      CREATE UNIQUE INDEX "Org_slug_key" ON "Org"("slug");
      CREATE TABLE "Project" ("id" uuid NOT NULL, "orgId" uuid NOT NULL, "title" text NOT NULL,
        CONSTRAINT "Project_pkey" PRIMARY KEY ("orgId", "id"));
      CREATE UNIQUE INDEX "Project_id_key" ON "Project"("id");
      ALTER TABLE "Project" ADD CONSTRAINT "Project_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE CASCADE ON UPDATE CASCADE;
      CREATE TABLE "Task" ("id" uuid NOT NULL, "orgId" uuid NOT NULL, "projectId" uuid NOT NULL, CONSTRAINT "Task_pkey" PRIMARY KEY ("id"));
      CREATE UNIQUE INDEX "Task_id_everywhere" ON "Task"("id", "projectId");
      ALTER TABLE "Task" ADD CONSTRAINT "Task_orgId_fkey" FOREIGN KEY ("orgId") REFERENCES "Org"("id") ON DELETE CASCADE;
      ALTER TABLE "Task" ADD CONSTRAINT "Task_project_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id");
      ALTER TABLE "Project" ENABLE ROW LEVEL SECURITY;
      ALTER TABLE "Task" ENABLE ROW LEVEL SECURITY;
      CREATE POLICY project_org ON "Project" USING ("orgId" = nullif(current_setting('app.org', true), '')::uuid);
      CREATE POLICY task_org ON "Task" USING ("orgId" = nullif(current_setting('app.org', true), '')::uuid);
      GRANT SELECT, INSERT, UPDATE, DELETE ON "Project", "Task" TO ${appRole};
    `);
  });

  it('introspect loads its draft with the index in place, and reset then validate list the index as unique across tenants', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-uidx-'));
    const env = { DATABASE_URL: db.target.url };
    const run = await runCli(['introspect', '--out', 'db'], { cwd, env, timeoutMs: 120_000 });
    expect(run.stderr).not.toMatch(/^error/m);
    expect(run.stdout).toMatch(/loads them \(rolled back\) with every key, CHECK and foreign key in place/);
    expect(run.code).toBe(0);
    const reset = await runCli(['reset', '--env', 'development', '--yes'], { cwd, env, timeoutMs: 180_000 });
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.code).toBe(0);
    const validate = await runCli(['validate', '--env', 'development', '--json'], { cwd, env, timeoutMs: 120_000 });
    const report = JSON.parse(validate.stdout) as { advice: Array<{ rule: string; table?: string; message: string }> };
    const keys = report.advice.filter((a) => a.rule === 'TS-K02' || a.rule === 'TS-K03').map((a) => [a.rule, a.table, a.message]).sort();
    expect(keys).toEqual([
      ['TS-K02', 'Project', 'unique index "Project_id_key" lacks orgId: it is unique across tenants'],
      ['TS-K02', 'Task', 'unique index "Task_id_everywhere" lacks orgId: it is unique across tenants'],
      ['TS-K03', 'Task', 'foreign key Task_project_fkey (projectId) references Project without orgId: a row may point at another tenant\'s row'],
    ]);
    expect(validate.code).toBe(0);
  });
});
