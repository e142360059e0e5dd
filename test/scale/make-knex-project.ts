/**
 * Writes a Knex project of real size for measurements: about 1,000 `.cjs` migrations, 420
 * tables, every 5th later migration building an index CONCURRENTLY (`transaction: false`),
 * every 7th inserting reference rows; a tenantseed.config.json and a development profile.
 *
 *   npx jiti test/scale/make-knex-project.ts /tmp/big-project [MIGRATIONS=1000] [TABLES=420]
 *   cd /tmp/big-project && npx tenantseed --database-url postgres://... reset --env development
 *
 * The tests use smaller projects from the same writer (test/support/knex-project.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { writeKnexProject } from '../support/knex-project';

const [dir, count, tableCount] = process.argv.slice(2);
if (!dir) {
  process.stderr.write('usage: npx jiti test/scale/make-knex-project.ts DIR [MIGRATIONS=1000] [TABLES=420]\n');
  process.exit(2);
}
const project = writeKnexProject(path.resolve(dir), { migrations: Number(count ?? 1000), tables: Number(tableCount ?? 420) });
process.stdout.write(`Wrote ${project.migrations} (${fs.readdirSync(project.migrations).length} migrations, ${project.nonTransactional.length} outside a transaction, ${project.tables.length} tables) and ${project.config}\n`);
