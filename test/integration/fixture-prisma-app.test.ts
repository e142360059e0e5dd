import { applyPrismaMigrations, describeFixtureProject } from '../support/fixture-project';
import { describeColumnMeanings } from '../support/column-meaning-checks';

/**
 * A Prisma project (test/fixtures/prisma-app, from shared/seeds/000) as `prisma migrate deploy`
 * leaves it: its `_prisma_migrations` ledger, then each migration.sql as Prisma wrote it: mapped
 * snake_case tables beside a PascalCase one ("Business"), quoted camelCase columns
 * ("workspaceId", "createdAt"), TEXT cuid ids, enums and enum arrays ("Permission"[]),
 * DECIMAL(10,6), and a hand-written RLS migration whose platform-admin bypass policy reads a
 * second setting (app.bypass_rls).
 */
describeFixtureProject({
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
  // Every isolation proof passes; the schema check's advice (keys without "workspaceId") still sets the exit code.
  apply: (db, dir) => applyPrismaMigrations(db.knex, dir),
  // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
  more: ({ knex }) => describeColumnMeanings(knex, ['order', 'email', 'owner']),
});
