import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describeFixtureProject } from '../support/fixture-project';
import { describeColumnMeanings } from '../support/column-meaning-checks';
import { REPO_ROOT } from '../support/run-cli';

/**
 * A Knex project (test/fixtures/knex-cjs-app, from the large open-source Knex application of
 * issue 28) migrated by its own knexfile with the knex CLI: `.cjs` migrations (one outside a
 * transaction, for CREATE INDEX CONCURRENTLY), the `knex_migrations` ledger, a `tenant` column
 * first in every key that has no foreign key of its own in a third of the tenant tables (tasks,
 * email_verifications, activity_events), and composite keys whose last column is not the id:
 * `user_emails` is keyed (tenant, user_id, email), and `email_verifications` references it
 * through all three.
 */
describeFixtureProject({
  name: 'knex-cjs-app',
  roles: ['tracker_app'],
  appRole: 'tracker_app',
  root: 'tenants',
  scoped: { table: 'tasks', column: 'tenant' },
  // The migrations GRANT SELECT ON tenants TO tracker_app and put no row-level security on it:
  // every tenant reads every tenant's row (names, slugs). A real hole, which validation names.
  holes: ['tenants'],
  async apply(db, dir) {
    // The team's project has knex and pg installed: its node_modules are ours.
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const knexCli = path.join(REPO_ROOT, 'node_modules', 'knex', 'bin', 'cli.js');
    const run = spawnSync(process.execPath, [knexCli, 'migrate:latest', '--knexfile', path.join(dir, 'knexfile.cjs')], {
      cwd: dir, env: { ...process.env, DATABASE_URL: db.target.url }, encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`knex migrate:latest failed: ${run.stderr}${run.stdout}`);
  },
  // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
  more: ({ knex }) => describeColumnMeanings(knex, ['order', 'email']),
});
