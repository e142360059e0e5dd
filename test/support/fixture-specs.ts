import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { FileDatabase } from './database';
import { applyPrismaMigrations, FixtureProjectSpec } from './fixture-project';
import { REPO_ROOT } from './run-cli';

/** Applies each .sql file of `dir`/migrations in order, as a team's script applies them with psql. */
async function applySqlFolder(db: FileDatabase, dir: string): Promise<void> {
  const migrations = path.join(dir, 'migrations');
  for (const file of fs.readdirSync(migrations).filter((f) => f.endsWith('.sql')).sort()) {
    await db.knex.raw(fs.readFileSync(path.join(migrations, file), 'utf8'));
  }
}

/** Runs the team's knexfile with the knex CLI (`migrate:latest`), from `dir`. */
function knexMigrateLatest(db: FileDatabase, dir: string): void {
  // The team's project has knex and pg installed: its node_modules are ours.
  if (!fs.existsSync(path.join(dir, 'node_modules'))) fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const knexCli = path.join(REPO_ROOT, 'node_modules', 'knex', 'bin', 'cli.js');
  const run = spawnSync(process.execPath, [knexCli, 'migrate:latest', '--knexfile', path.join(dir, 'knexfile.cjs')], {
    cwd: dir, env: { ...process.env, DATABASE_URL: db.target.url }, encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`knex migrate:latest failed: ${run.stderr}${run.stdout}`);
}

/**
 * An Alembic project (test/fixtures/alembic-app, from shared/seeds/003) applied from the SQL that
 * `alembic upgrade head --sql` prints: its `alembic_version` ledger, keys named `tenant_id`,
 * `user_id`, `document_id` (the root's key is `tenant_id` too), CHECK ... IN constraints, JSONB,
 * and beside each tenant-isolation policy an "uber admin" bypass policy `TO postgres`, a
 * superuser that must never become the application role.
 */
export const ALEMBIC_APP: FixtureProjectSpec = {
  name: 'alembic-app',
  roles: ['rag_app'],
  appRole: 'rag_app',
  root: 'tenants',
  scoped: { table: 'documents', column: 'tenant_id' },
  // As the seed's migrations leave it, `tenants` has no row-level security while rag_app may
  // SELECT, UPDATE and DELETE it: every tenant reads and changes every tenant's row. A real hole,
  // which validation must name (and nothing else); isolate.sql closes it. templates (global on
  // purpose: no tenant column) is drafted shared ("x-global": true), with a warning to confirm.
  holes: ['tenants'],
  async apply(db, dir) {
    await db.knex.raw(fs.readFileSync(path.join(dir, 'upgrade.sql'), 'utf8'));
  },
};

/**
 * A raw-SQL project (test/fixtures/chains-app) whose chat messages and their attachments carry
 * no workspace column (a two-level chain: attachments -> messages -> agent sessions), and whose
 * module events point at one of three session tables by `module_type`, with no foreign key.
 */
export const CHAINS_APP: FixtureProjectSpec = {
  name: 'chains-app',
  roles: ['chains_app'],
  appRole: 'chains_app',
  root: 'workspaces',
  scoped: { table: 'agent_sessions', column: 'workspace_id' },
  chain: 'message_attachments',
  apply: applySqlFolder,
};

/**
 * A Knex project (test/fixtures/knex-cjs-app, from the large open-source Knex application of
 * issue 28) migrated by its own knexfile with the knex CLI: `.cjs` migrations (one outside a
 * transaction, for CREATE INDEX CONCURRENTLY), the `knex_migrations` ledger, a `tenant` column
 * first in every key that has no foreign key of its own in a third of the tenant tables (tasks,
 * email_verifications, activity_events), and composite keys whose last column is not the id:
 * `user_emails` is keyed (tenant, user_id, email), and `email_verifications` references it
 * through all three.
 */
export const KNEX_CJS_APP: FixtureProjectSpec = {
  name: 'knex-cjs-app',
  roles: ['tracker_app'],
  appRole: 'tracker_app',
  root: 'tenants',
  scoped: { table: 'tasks', column: 'tenant' },
  // The migrations GRANT SELECT ON tenants TO tracker_app and put no row-level security on it:
  // every tenant reads every tenant's row (names, slugs). A real hole, which validation names.
  holes: ['tenants'],
  async apply(db, dir) {
    knexMigrateLatest(db, dir);
  },
  // The fix is a Knex migration too (isolate/): added to the project's migrations, then migrate:latest.
  async isolate(db, dir) {
    for (const file of fs.readdirSync(path.join(dir, 'isolate'))) fs.copyFileSync(path.join(dir, 'isolate', file), path.join(dir, 'migrations', file));
    knexMigrateLatest(db, dir);
  },
};

/**
 * A Prisma project (test/fixtures/prisma-app, from shared/seeds/000) as `prisma migrate deploy`
 * leaves it: its `_prisma_migrations` ledger, then each migration.sql as Prisma wrote it: mapped
 * snake_case tables beside a PascalCase one ("Business"), quoted camelCase columns
 * ("workspaceId", "createdAt"), TEXT cuid ids, enums and enum arrays ("Permission"[]),
 * DECIMAL(10,6), and a hand-written RLS migration whose platform-admin bypass policy reads a
 * second setting (app.bypass_rls).
 */
export const PRISMA_APP: FixtureProjectSpec = {
  name: 'prisma-app',
  // Real holes: the platform-admin bypass policies apply TO PUBLIC, so app_user itself sets
  // app.bypass_rls = 'on' and reads every workspace (bypass discovery names each policy);
  // workspaces (the root) has no row-level security. users (no tenant column, readable by
  // app_user) is drafted shared ("x-global": true, with a warning to confirm) and
  // _prisma_migrations is Prisma's ledger: neither is a hole.
  holes: ['Business', 'custom_roles', 'token_usage', 'workspace_members', 'workspaces'],
  roles: ['app_user'],
  appRole: 'app_user',
  root: 'workspaces',
  scoped: { table: 'Business', column: 'workspaceId' },
  apply: (db, dir) => applyPrismaMigrations(db.knex, dir),
};

/**
 * A raw-SQL project (test/fixtures/rawsql-app, from shared/seeds/001): numbered .sql files that
 * the team's script applies with psql, each recording itself in `schema_migrations`. Its
 * policies compare the tenant column with `get_current_organization_context()`, a PL/pgSQL
 * function that reads the setting, and the application sets its tenant with
 * `set_organization_context(uuid)` (a `set_config(..., true)`); the tenant column of `agents`
 * is `owner_organization_id`.
 */
export const RAWSQL_APP: FixtureProjectSpec = {
  name: 'rawsql-app',
  // The root organizations has no row-level security (every tenant reads every organization).
  // users (no tenant column, readable by the application role) is drafted shared ("x-global":
  // true, with a warning to confirm) and schema_migrations is the migration tool's ledger.
  holes: ['organizations'],
  roles: ['vital_app'],
  appRole: 'vital_app',
  root: 'organizations',
  scoped: { table: 'agents', column: 'owner_organization_id' },
  contextFunction: 'set_organization_context',
  apply: applySqlFolder,
};

/**
 * A raw-SQL project (test/fixtures/refrows-app) whose migrations, applied with psql, make the
 * rows the application cannot run without: the standard workspace template at a fixed UUID
 * (every workspace references it by default), 250 countries and four standard priorities (an
 * identity column).
 */
export const REFROWS_APP: FixtureProjectSpec = {
  name: 'refrows-app',
  roles: ['refrows_app'],
  appRole: 'refrows_app',
  root: 'workspaces',
  scoped: { table: 'tickets', column: 'workspace_id' },
  madeRows: ['workspace_templates', 'ref.countries', 'ref.priorities', 'ref.Currencies'],
  apply: applySqlFolder,
};
