import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * A Prisma schema as braille-dev's migrations make it (issue 30's trial): text ids, quoted
 * camelCase columns, and policies that read the tenant setting WITHOUT missing_ok and cast both
 * the tenant column and the setting to uuid. Before: introspect drafted cuid-like tenant ids and
 * validate crashed ("invalid input syntax for type uuid"; then "unrecognized configuration
 * parameter" for the no-tenant probe). Now: uuid tenant ids are drafted, reset and validate pass,
 * the policies' error with no tenant set counting as nothing visible.
 */
describe('a Prisma schema whose policies cast text tenant ids to uuid and read the setting without missing_ok', () => {
  const role = `robust_prisma_app_${process.pid}`;
  // Registered before the database's own afterAll: it runs first, while the database is there.
  afterAll(async () => {
    await db.knex.raw(`DROP OWNED BY ${role}`).catch(() => undefined);
    await db.knex.raw(`DROP ROLE IF EXISTS ${role}`);
  });
  const db = useFileDatabase();

  it('introspect drafts uuid tenant ids; reset and validate pass, proving isolation', async () => {
    const policy = `("tenantId")::uuid = (current_setting('app.current_tenant_id'))::uuid`;
    await db.knex.raw(`
      CREATE TABLE "Tenant" ("id" text PRIMARY KEY, "name" text NOT NULL);
      CREATE TABLE "Document" ("id" text PRIMARY KEY, "tenantId" text NOT NULL REFERENCES "Tenant"("id"), "title" text NOT NULL);
      CREATE TABLE "Note" ("id" text PRIMARY KEY, "tenantId" text NOT NULL REFERENCES "Tenant"("id"), "body" text NOT NULL);
      ALTER TABLE "Document" ENABLE ROW LEVEL SECURITY; ALTER TABLE "Document" FORCE ROW LEVEL SECURITY;
      ALTER TABLE "Note" ENABLE ROW LEVEL SECURITY; ALTER TABLE "Note" FORCE ROW LEVEL SECURITY;
      CREATE POLICY tenant_isolation_policy ON "Document" USING (${policy}) WITH CHECK (${policy});
      CREATE POLICY tenant_isolation_policy ON "Note" USING (${policy}) WITH CHECK (${policy});
      CREATE ROLE ${role} NOLOGIN;
      GRANT SELECT, INSERT, UPDATE, DELETE ON "Document", "Note" TO ${role};
    `);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-prisma-uuid-'));
    const env = { DATABASE_URL: db.target.url };
    const introspect = await runCli(['introspect', '--out', dir], { cwd: dir, env });
    expect(introspect.stdout).toMatch(/tenant ids id drafted as uuids \("format": "uuid"\): the tenant policies cast the tenant id to uuid/);
    expect(introspect.code).toBe(0);
    const file = fs.readdirSync(dir, { recursive: true }).map(String).find((f) => f.endsWith('Tenant.json'))!;
    expect(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')).properties.id).toMatchObject({ type: 'string', format: 'uuid' });
    const reset = await runCli(['reset', '--env', 'development', '--yes'], { cwd: dir, env });
    expect(reset.stderr).not.toMatch(/error/i);
    expect(reset.code).toBe(0);
    const validate = await runCli(['validate', '--env', 'development'], { cwd: dir, env });
    expect(validate.stdout).toMatch(new RegExp(`^ok {4}isolation .* as ${role}: own rows only, no writes across tenants, nothing without a tenant$`, 'm'));
    expect(validate.code).toBe(0);
  });
});
