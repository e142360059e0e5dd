import fs from 'node:fs';
import path from 'node:path';
import { describeFixtureProject } from '../support/fixture-project';

/**
 * An Alembic project (test/fixtures/alembic-app, from shared/seeds/003) applied from the SQL that
 * `alembic upgrade head --sql` prints: its `alembic_version` ledger, keys named `tenant_id`,
 * `user_id`, `document_id` (the root's key is `tenant_id` too), CHECK ... IN constraints, JSONB,
 * and beside each tenant-isolation policy an "uber admin" bypass policy `TO postgres`, a
 * superuser that must never become the application role.
 */
describeFixtureProject({
  name: 'alembic-app',
  roles: ['rag_app'],
  appRole: 'rag_app',
  root: 'tenants',
  scoped: { table: 'documents', column: 'tenant_id' },
  // The bypass policies name `postgres`, which introspect takes for the application role.
  blocked: {
    introspect: 'issue 28 item 4 (roles: never a superuser or a role only a bypass policy names) is merged: appRole drafted as postgres',
    reset: 'issue 28 item 4 is merged: the isolation proof runs as postgres and fails',
    validate: 'issue 28 item 4 is merged: the isolation proof runs as postgres and fails',
    withTenant: 'issue 28 item 4 is merged: withTenant runs as postgres and sees every tenant',
  },
  async apply(db, dir) {
    await db.knex.raw(fs.readFileSync(path.join(dir, 'upgrade.sql'), 'utf8'));
  },
});
