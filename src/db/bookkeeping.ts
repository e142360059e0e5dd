import type { Knex } from 'knex';

/** The schema that holds tenantseed's own bookkeeping, never a product table. */
export const BOOKKEEPING_SCHEMA = 'tenantseed';

/**
 * Creates the bookkeeping schema and Knex's migration tables in it, if missing. Callers hold
 * the migrate advisory lock (or accept Knex's own race on a first run).
 * The tables are created here rather than by a migration so that `migrate rollback --all`
 * keeps the record of which environment a database is.
 */
export async function ensureBookkeeping(knex: Knex): Promise<void> {
  await knex.raw(`CREATE SCHEMA IF NOT EXISTS ${BOOKKEEPING_SCHEMA}`);
  await knex.raw(`CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_SCHEMA}.environment_stamp (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      environment text NOT NULL,
      stamped_by text NOT NULL,
      stamped_at timestamptz NOT NULL DEFAULT now()
    )`);
}

/** The environment a database was last migrated, seeded or reset as. */
export interface EnvironmentStamp {
  readonly environment: string;
  readonly stampedBy: string;
  readonly stampedAt: Date;
}

/**
 * Reads the environment stamp, or undefined when the database was never stamped.
 *
 * @example
 * (await readEnvironmentStamp(knex))?.environment // 'development'
 */
export async function readEnvironmentStamp(knex: Knex | Knex.Transaction): Promise<EnvironmentStamp | undefined> {
  const exists = await knex.raw('SELECT to_regclass(?) AS t', [`${BOOKKEEPING_SCHEMA}.environment_stamp`]);
  if (!exists.rows[0].t) return undefined;
  const row = (await knex.raw(`SELECT environment, stamped_by, stamped_at FROM ${BOOKKEEPING_SCHEMA}.environment_stamp`)).rows[0];
  return row ? { environment: row.environment, stampedBy: row.stamped_by, stampedAt: row.stamped_at } : undefined;
}

/**
 * Records which environment a database is, and which command said so.
 *
 * @example
 * await writeEnvironmentStamp(knex, 'development', 'migrate');
 */
export async function writeEnvironmentStamp(knex: Knex | Knex.Transaction, environment: string, stampedBy: string): Promise<void> {
  await knex.raw(
    `INSERT INTO ${BOOKKEEPING_SCHEMA}.environment_stamp (singleton, environment, stamped_by, stamped_at)
     VALUES (true, ?, ?, now())
     ON CONFLICT (singleton) DO UPDATE SET environment = EXCLUDED.environment, stamped_by = EXCLUDED.stamped_by, stamped_at = now()`,
    [environment, stampedBy],
  );
}
