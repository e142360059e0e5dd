import fs from 'node:fs';
import path from 'node:path';
import { describeFixtureProject } from '../support/fixture-project';
import { describeColumnMeanings } from '../support/column-meaning-checks';

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
  // As the seed's migrations leave it, `tenants` has no row-level security while rag_app may
  // SELECT, UPDATE and DELETE it: every tenant reads and changes every tenant's row. A real hole,
  // which validation must name (and nothing else). templates (global on purpose: no tenant
  // column) is drafted shared ("x-global": true), with a warning to confirm.
  holes: ['tenants'],
  async apply(db, dir) {
    await db.knex.raw(fs.readFileSync(path.join(dir, 'upgrade.sql'), 'utf8'));
  },
  // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
  more: ({ knex }) => describeColumnMeanings(knex, ['order', 'hash', 'email']),
});
