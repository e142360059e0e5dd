import type { Knex } from 'knex';
import { ensureMadeObjectsTable } from './made-objects';

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
  await knex.raw(`CREATE TABLE IF NOT EXISTS ${BOOKKEEPING_SCHEMA}.seed_manifests (
      id bigserial PRIMARY KEY,
      command text NOT NULL,
      environment text NOT NULL,
      seed bigint NOT NULL,
      generator_version integer NOT NULL,
      dataset_key text NOT NULL,
      fingerprint text NOT NULL,
      legacy_fingerprint text,
      tenants integer NOT NULL,
      rows bigint NOT NULL,
      counts jsonb NOT NULL,
      started_at timestamptz NOT NULL,
      finished_at timestamptz NOT NULL DEFAULT clock_timestamp()
    )`);
  await ensureMadeObjectsTable(knex);
}

/** What a seed run loaded, as stored in tenantseed.seed_manifests. */
/**
 * The manifest's key for a tenant table's rows that have no tenant on purpose (the profile's
 * `withoutTenant`): not a tenant id (no id has parentheses), so no tenant's count holds them.
 */
export const WITHOUT_TENANT_COUNT = '(no tenant)';

export interface SeedManifest {
  readonly command: string;
  readonly environment: string;
  readonly seed: number;
  readonly generatorVersion: number;
  /** A digest of the inputs (definitions, profile, seed, tenants, generator version). */
  readonly datasetKey: string;
  readonly fingerprint: string;
  readonly legacyFingerprint?: string;
  readonly tenants: number;
  readonly rows: number;
  /**
   * Rows per table and tenant id (tables without tenants under the key "*", a tenant table's
   * rows with no tenant on purpose under {@link WITHOUT_TENANT_COUNT}).
   */
  readonly counts: Record<string, Record<string, number>>;
  readonly startedAt: Date;
  readonly finishedAt?: Date;
}

/**
 * The manifest of the last seed of a database, or undefined when it was never seeded.
 *
 * @example
 * (await readLatestManifest(knex))?.fingerprint
 */
export async function readLatestManifest(knex: Knex | Knex.Transaction): Promise<SeedManifest | undefined> {
  const exists = await knex.raw('SELECT to_regclass(?) AS t', [`${BOOKKEEPING_SCHEMA}.seed_manifests`]);
  if (!exists.rows[0].t) return undefined;
  const row = (await knex.raw(`SELECT * FROM ${BOOKKEEPING_SCHEMA}.seed_manifests ORDER BY id DESC LIMIT 1`)).rows[0];
  if (!row) return undefined;
  return {
    command: row.command,
    environment: row.environment,
    seed: Number(row.seed),
    generatorVersion: row.generator_version,
    datasetKey: row.dataset_key,
    fingerprint: row.fingerprint,
    legacyFingerprint: row.legacy_fingerprint ?? undefined,
    tenants: row.tenants,
    rows: Number(row.rows),
    counts: row.counts,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

/**
 * Dates the latest manifest as a run that started at `startedAt` and finishes now, and returns
 * it: for a database cloned from a seeded template (reset's cache), which holds the manifest of
 * the run that loaded the template.
 */
export async function redateLatestManifest(knex: Knex | Knex.Transaction, startedAt: Date): Promise<SeedManifest | undefined> {
  const exists = await knex.raw('SELECT to_regclass(?) AS t', [`${BOOKKEEPING_SCHEMA}.seed_manifests`]);
  if (!exists.rows[0].t) return undefined;
  await knex.raw(
    `UPDATE ${BOOKKEEPING_SCHEMA}.seed_manifests SET started_at = ?, finished_at = clock_timestamp() WHERE id = (SELECT max(id) FROM ${BOOKKEEPING_SCHEMA}.seed_manifests)`,
    [startedAt],
  );
  return readLatestManifest(knex);
}

/** Records a seed run. */
export async function writeManifest(knex: Knex | Knex.Transaction, manifest: SeedManifest): Promise<void> {
  await knex.raw(
    `INSERT INTO ${BOOKKEEPING_SCHEMA}.seed_manifests
       (command, environment, seed, generator_version, dataset_key, fingerprint, legacy_fingerprint, tenants, rows, counts, started_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)`,
    [manifest.command, manifest.environment, manifest.seed, manifest.generatorVersion, manifest.datasetKey, manifest.fingerprint,
      manifest.legacyFingerprint ?? null, manifest.tenants, manifest.rows, JSON.stringify(manifest.counts), manifest.startedAt],
  );
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
