import type { Knex } from 'knex';
import type pg from 'pg';
import { Logger, ProjectConfig, shippedProjectConfig, silentLogger } from '../config';
import {
  checkLoaderRole, DEFAULT_LOCK_WAIT_MS, ensureBookkeeping, lockTablesAtOnce, LockTablesOptions, migratorConfig, quoteIdentifier, readEnvironmentStamp, readLatestManifest, SeedManifest, withAdvisoryLock,
  useSequentialShardAccess, writeEnvironmentStamp, writeManifest,
} from '../db';
import { TenantseedError } from '../errors';
import { datasetKey, Fingerprint, Plan } from '../generate';
import { loadTables, Progress } from '../load';
import { assertSafeToWrite, knexLockQuery } from './safety';
import { refuseRoleChangeOnCitus } from './distribute-tables';

/** The advisory lock that lets one seed or reset at a time work on a database. */
export const SEED_LOCK = 'tenantseed:seed';

/** Options shared by seed and reset. */
export interface WriteDatasetOptions {
  knex: Knex;
  plan: Plan;
  /** `--yes`: bypass the stamp-mismatch and protected-environment confirmations. */
  yes?: boolean;
  /** Asks the user to confirm (interactive terminals only). */
  confirm?: (question: string) => Promise<string>;
  logger?: Logger;
  /** Told of each phase (migrate, legacy rows, each table's load, keys) as it goes: events, never console writes. */
  onProgress?: (progress: Progress) => void;
  /**
   * The bound of every lock wait (`--lock-wait`): for another seed or reset on the same
   * database, and for the table locks, taken all at once or not at all. Default 30 s.
   */
  lockWaitMs?: number;
  /** The project (migrations, schemas, tenancy names); the shipped reference project by default. */
  project?: ProjectConfig;
  /** Check every generated row against its definition, not a keyed sample. */
  strict?: boolean;
}

/** What seed or reset did. */
export type SeedOutcome =
  | { readonly status: 'seeded'; readonly manifest: SeedManifest; readonly seconds: number; readonly notices: readonly string[] }
  | { readonly status: 'already-seeded'; readonly manifest: SeedManifest; readonly notices: readonly string[] };

/** The bound and the reporting of table lock waits for seed and reset. */
export function lockingOf(options: WriteDatasetOptions): LockTablesOptions {
  const logger = options.logger ?? silentLogger;
  return {
    waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS,
    onWait: (holders) => logger.info(`Waiting (at most ${Math.round((options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS) / 1000)} s, holding no table meanwhile) for the table locks held by ${holders}`),
  };
}

/** Bounds every lock wait of the caller's transaction (lock_timeout), before it takes any lock. */
export async function boundLockWaits(trx: Knex.Transaction, options: WriteDatasetOptions): Promise<void> {
  await lockTablesAtOnce(knexLockQuery(trx), [], lockingOf(options));
}

/** The connection a knex transaction runs on, for COPY. */
export async function transactionConnection(trx: Knex.Transaction): Promise<pg.PoolClient> {
  return (await trx.client.acquireConnection()) as pg.PoolClient;
}

/** The tables of the plan's tenant dataset and legacy rows that exist in the database. */
function tableNames(plan: Plan): string[] {
  return [...new Set([...plan.tables, ...plan.legacyTables].map((t) => t.name))];
}

/**
 * Loads the plan's tenant dataset in `trx` (which the caller commits) and records the
 * manifest and the environment stamp. The role check has been done by the caller.
 */
export async function loadDataset(
  trx: Knex.Transaction,
  options: WriteDatasetOptions & { command: string; deferConstraints: boolean; setRole?: string; startedAt: Date; legacyFingerprint?: string },
): Promise<SeedManifest> {
  const { plan } = options;
  const client = await transactionConnection(trx);
  if (options.setRole) await trx.raw(`SET LOCAL ROLE ${options.setRole}`);
  const fingerprint = new Fingerprint(plan.generatorVersion);
  const loaded = await loadTables({
    client, tables: plan.tables, fingerprint, deferConstraints: options.deferConstraints, strict: options.strict, onProgress: options.onProgress, locking: lockingOf(options),
  });
  if (options.setRole) await trx.raw('RESET ROLE');
  const manifest: SeedManifest = {
    command: options.command,
    environment: plan.profile.name,
    seed: plan.seed,
    generatorVersion: plan.generatorVersion,
    datasetKey: datasetKey(plan),
    fingerprint: fingerprint.digest(),
    legacyFingerprint: options.legacyFingerprint,
    tenants: plan.tenants.length,
    rows: loaded.rows,
    counts: loaded.counts,
    startedAt: options.startedAt,
  };
  await writeManifest(trx, manifest);
  await writeEnvironmentStamp(trx, plan.profile.name, options.command);
  return manifest;
}

async function assertMigrated(trx: Knex.Transaction, project: ProjectConfig): Promise<void> {
  // A project without migrations is migrated by another tool: its schema is as it is.
  if (!project.migrations) return;
  const [, pending] = (await trx.migrate.list(migratorConfig(project.migrations))) as [unknown[], unknown[]];
  if (pending.length > 0) {
    throw new TenantseedError(`The database is not migrated (${pending.length} migration(s) pending)`, {
      hint: 'Run `tenantseed migrate latest` first, or `tenantseed reset --env ENV` to build and seed it in one go.',
    });
  }
}

/**
 * `tenantseed seed`: loads the tenant dataset of a plan into a migrated database, in one
 * transaction (a failure, a killed process or a dropped connection leaves the database as it
 * was), holding an advisory lock so two seeds of one database load once. A database that
 * already holds this dataset is left alone; one that holds another dataset is refused (use
 * reset). Never destroys data, so it needs no confirmation; it still refuses production and a
 * database stamped as another environment (unless `yes`).
 *
 * @example
 * const outcome = await seedDatabase({ knex, plan });
 * if (outcome.status === 'already-seeded') console.log('nothing to do');
 */
export async function seedDatabase(options: WriteDatasetOptions): Promise<SeedOutcome> {
  const { knex, plan } = options;
  const project = options.project ?? shippedProjectConfig();
  const logger = options.logger ?? silentLogger;
  const startedAt = new Date();
  return withAdvisoryLock(knex, SEED_LOCK, { waitMs: options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS, onWait: (holder) => logger.info(`Waiting for another seed or reset to finish: ${holder}`) }, () =>
    knex.transaction(async (trx) => {
      await boundLockWaits(trx, options);
      const citus = await useSequentialShardAccess(trx);
      const role = await checkLoaderRole(trx, tableNames(plan), project.tenancy.adminRole);
      refuseRoleChangeOnCitus(citus, role);
      await assertMigrated(trx, project);
      await ensureBookkeeping(trx);
      const stamp = await readEnvironmentStamp(trx);
      const databaseName = (await trx.raw('SELECT current_database() AS name')).rows[0].name as string;
      const notices = await assertSafeToWrite({
        command: 'seed', environment: plan.profile.name, stamp, yes: options.yes ?? false, databaseName,
      });
      const previous = await readLatestManifest(trx);
      if (previous) {
        if (previous.datasetKey === datasetKey(plan)) return { status: 'already-seeded' as const, manifest: previous, notices };
        throw new TenantseedError(
          `The database ${databaseName} already holds another dataset (${previous.environment}, seed ${previous.seed}, ${previous.tenants} tenants, ${previous.fingerprint.slice(0, 19)}…)`,
          { hint: `seed never replaces data: run \`tenantseed reset --env ${plan.profile.name}\` to rebuild it with this one.` },
        );
      }
      const root = plan.definitions.tenantRoot;
      if (root) {
        const existing = (await trx.raw(`SELECT count(*) AS n FROM ${quoteIdentifier(root.table)}`)).rows[0].n as number;
        // The migrations create some tenants themselves (the default tenant): x-existing-rows.
        const created = root.existingRows.length;
        if (existing > created) {
          throw new TenantseedError(`The database ${databaseName} holds ${existing} tenants that tenantseed did not seed`, {
            hint: `Seed an empty (migrated) database, or run \`tenantseed reset --env ${plan.profile.name}\` to replace its data.`,
          });
        }
      }
      // A schema another tool migrates is loaded with its keys in place: tenantseed never changes it.
      const manifest = await loadDataset(trx, { ...options, command: 'seed', deferConstraints: role.ownsTables && !role.setRole && project.migrations !== undefined, setRole: role.setRole, startedAt });
      return { status: 'seeded' as const, manifest, seconds: (Date.now() - startedAt.getTime()) / 1000, notices };
    }),
  );
}
