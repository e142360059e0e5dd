import fs from 'node:fs';
import type { Knex } from 'knex';
import { CONFIG_FILE_NAME, CONFIG_VARIABLE, ProjectConfig, shippedProjectConfig } from '../config';
import { BOOKKEEPING_SCHEMA, queryRows } from '../db';
import { SafetyError } from '../errors';

/** What {@link assertShippedSchemaFits} decides on. */
export interface ShippedSchemaCheck {
  readonly knex: Knex;
  readonly project: ProjectConfig;
  /** The command, for messages (`reset`, `migrate`, ...). */
  readonly command: string;
  /** Whether the database is the embedded server (where the shipped schema always fits). */
  readonly embedded: boolean;
  /** Where the search for the config started (the working folder). */
  readonly cwd: string;
}

const stripExtension = (name: string) => name.replace(/\.(c|m)?(ts|js)$/, '');

/**
 * Issue 28, "no config, no guessing": without a project config the shipped reference schema
 * stands in only where it cannot hurt: the embedded server, a database without tables, or one
 * that its own migrations built (every name in Knex's ledger is a shipped migration). Anywhere
 * else a command that writes is refused (SafetyError, exit 3, before anything changed), naming
 * where the config was looked for and the tables found.
 *
 * @example
 * await assertShippedSchemaFits({ knex, project, command: 'reset', embedded: false, cwd: process.cwd() });
 */
export async function assertShippedSchemaFits(check: ShippedSchemaCheck): Promise<void> {
  if (check.project.file || check.embedded) return;
  const tables = (await queryRows<{ name: string }>(check.knex,
    `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', ?) AND n.nspname NOT LIKE 'pg\\_%'
        AND c.oid NOT IN (SELECT objid FROM pg_depend WHERE deptype = 'e')
      ORDER BY 1`, [BOOKKEEPING_SCHEMA])).map((r) => r.name);
  if (tables.length === 0) return;
  const ledger = (await queryRows<{ t: string | null }>(check.knex, 'SELECT to_regclass(?)::text AS t', [`${BOOKKEEPING_SCHEMA}.knex_migrations`]))[0].t
    ? (await queryRows<{ name: string }>(check.knex, `SELECT name FROM ${BOOKKEEPING_SCHEMA}.knex_migrations`)).map((r) => stripExtension(r.name))
    : [];
  const shipped = new Set(fs.readdirSync(shippedProjectConfig().migrations!).map(stripExtension));
  if (ledger.length > 0 && ledger.every((name) => shipped.has(name))) return;
  const database = (await queryRows<{ name: string }>(check.knex, 'SELECT current_database() AS name'))[0].name;
  const shown = tables.slice(0, 20).map((t) => `  ${t}`).concat(tables.length > 20 ? [`  ... and ${tables.length - 20} more`] : []);
  const built = ledger.length > 0 ? `its migration ledger names migrations that are not the shipped ones (${ledger.filter((n) => !shipped.has(n)).slice(0, 3).join(', ')})` : 'the shipped migrations did not build it';
  throw new SafetyError(
    `Refusing to ${check.command} with the shipped reference schema: no project config was found (looked for ${CONFIG_FILE_NAME} in ${check.cwd} and every folder above it; no --config, ${CONFIG_VARIABLE} not set), and the database ${database} holds ${tables.length} table(s) while ${built}:\n${shown.join('\n')}`,
    { hint: `Run from your project's folder, or pass --config path/to/${CONFIG_FILE_NAME} (or set ${CONFIG_VARIABLE}); \`tenantseed introspect\` drafts a config for an existing schema. Nothing was changed.` },
  );
}
