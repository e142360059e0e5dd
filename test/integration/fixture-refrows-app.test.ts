import fs from 'node:fs';
import path from 'node:path';
import { describeFixtureProject } from '../support/fixture-project';
import { describeColumnMeanings } from '../support/column-meaning-checks';

/**
 * A raw-SQL project (test/fixtures/refrows-app) whose migrations, applied with psql, make the
 * rows the application cannot run without: the standard workspace template at a fixed UUID
 * (every workspace references it by default), 250 countries and four standard priorities (an
 * identity column). tenantseed does not own its migrations: introspect records those rows as
 * `x-existing-rows`, reset sets them aside and puts them back byte for byte (twice), and the
 * generated tickets reference them.
 */
describeFixtureProject({
  name: 'refrows-app',
  roles: ['refrows_app'],
  appRole: 'refrows_app',
  root: 'workspaces',
  scoped: { table: 'tickets', column: 'workspace_id' },
  madeRows: ['workspace_templates', 'countries', 'priorities'],
  async apply(db, dir) {
    const migrations = path.join(dir, 'migrations');
    for (const file of fs.readdirSync(migrations).filter((f) => f.endsWith('.sql')).sort()) {
      await db.knex.raw(fs.readFileSync(path.join(migrations, file), 'utf8'));
    }
  },
  // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
  more: ({ knex }) => describeColumnMeanings(knex, []),
});
