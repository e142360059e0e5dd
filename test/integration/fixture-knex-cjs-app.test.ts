import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describeFixtureProject } from '../support/fixture-project';
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
  // The draft references user_emails by (tenant, user_id, email) without drawing existing tuples: it does not load
  // (introspect says so, exit 1, naming email_verifications.json and the foreign key).
  blocked: {
    introspect: 'issue 28 item 5 (keys whose last column is not the id, composite foreign keys through them) is merged',
    reset: 'issue 28 item 5 is merged: email_verifications breaks its foreign key to user_emails',
    validate: 'issue 28 item 5 is merged: nothing was seeded',
    'tenant add': 'issue 28 item 5 is merged: nothing was seeded',
    withTenant: 'issue 28 item 5 is merged: the test database does not seed',
  },
  async apply(db, dir) {
    // The team's project has knex and pg installed: its node_modules are ours.
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const knexCli = path.join(REPO_ROOT, 'node_modules', 'knex', 'bin', 'cli.js');
    const run = spawnSync(process.execPath, [knexCli, 'migrate:latest', '--knexfile', path.join(dir, 'knexfile.cjs')], {
      cwd: dir, env: { ...process.env, DATABASE_URL: db.target.url }, encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`knex migrate:latest failed: ${run.stderr}${run.stdout}`);
  },
});
