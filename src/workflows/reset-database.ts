import type { Knex } from 'knex';
import { shippedProjectConfig, silentLogger } from '../config';
import {
  BOOKKEEPING_SCHEMA, checkLoaderRole, ensureBookkeeping, listSchemaObjects, migratorConfig, readEnvironmentStamp, readTable, referencesFromOutside, tableContents,
  lockTablesAtOnce, requoteName, useSequentialShardAccess, withAdvisoryLock, findForeignObjects, recordMadeObjects, ForeignObjects,
} from '../db';
import type { Logger } from '../config';
import { ProjectConfig } from '../config';
import { checkDefinitionSchemas } from '../definitions';
import { SafetyError, TenantseedError, UsageError } from '../errors';
import { Fingerprint, Plan } from '../generate';
import { loadTables } from '../load';
import { assertMayDestroy, knexLockQuery, lockSchemaTables, rowsMadeByMigrations } from './safety';
import { distributeIfCitus, refuseRoleChangeOnCitus } from './distribute-tables';
import { legacyBaselineReached } from './legacy-baseline';
import { restoreRowsMadeByMigrations, setAsideRowsMadeByMigrations } from './keep-migration-rows';
import { chooseResetPath, resetBySwap, ResetDatabaseOptions, ResetOutcome } from './reset-by-swap';
import { boundLockWaits, loadDataset, lockingOf, SEED_LOCK, SeedOutcome, thenWhileLocked, transactionConnection, WriteDatasetOptions } from './seed-database';

/**
 * Drops everything a migration can have made in the project's schemas (tables, views,
 * sequences, routines, types, domains; not what belongs to an extension), and the bookkeeping
 * schema. The schemas themselves stay, with their owners and privileges.
 */
async function dropSchemaObjects(trx: Knex.Transaction, schemas: readonly string[]): Promise<void> {
  for (const object of await listSchemaObjects(trx, schemas)) await trx.raw(`DROP ${object.kind} IF EXISTS ${requoteName(object.name)} CASCADE`);
  await trx.raw(`DROP SCHEMA IF EXISTS ${BOOKKEEPING_SCHEMA} CASCADE`);
}

/**
 * What reset would drop that the project's migrations did not make (issue 31: nothing foreign
 * lost): listed and confirmed by the one rule. When the record cannot tell, the logger says why.
 */
async function foreignObjectsOf(trx: Knex.Transaction, schemas: readonly string[], logger: Logger): Promise<ForeignObjects> {
  const found = await findForeignObjects(trx, schemas);
  if (found.unrecorded) logger.info(`Note: ${found.unrecorded}.`);
  return found;
}

/** After reset's migrations: everything in the (emptied, then migrated) schemas is theirs. */
async function recordWhatMigrationsMade(trx: Knex.Transaction, schemas: readonly string[]): Promise<void> {
  await recordMadeObjects(trx, schemas, { objects: [], ledgerTop: 0 });
}

/**
 * Migrates one step at a time until every legacy table exists in its pre-tenancy shape (no
 * tenant column yet): where legacy rows must be loaded so that the tenancy migration absorbs
 * them. Knows no migration by name.
 */
async function migrateToLegacyBaseline(trx: Knex.Transaction, plan: Plan, migrations: string): Promise<void> {
  while (!(await legacyBaselineReached(trx, plan))) {
    const [, ran] = (await trx.migrate.up(migratorConfig(migrations))) as [number, unknown[]];
    if (ran.length === 0) {
      throw new TenantseedError(`The migrations never create the legacy tables ${plan.legacyTables.map((t) => t.name).join(', ')}`, {
        hint: 'Remove "x-legacy" from their definitions, or add the baseline migration that creates them.',
      });
    }
  }
}

/**
 * `tenantseed reset`: in one transaction, drops the schema's objects, migrates to the legacy
 * baseline, loads the profile's legacy rows, migrates to the latest schema (the tenancy
 * migration absorbs them into the default tenant) and loads the tenant dataset. A failure or a
 * killed process leaves the previous database intact (and Knex's lock row free). Always
 * destructive: refused for production, for a database stamped as another environment (unless
 * `yes`), and for a protected environment without `yes` or a typed confirmation.
 *
 * @example
 * await resetDatabase({ knex, plan, yes: true });
 */
export async function resetDatabase(options: ResetDatabaseOptions): Promise<ResetOutcome> {
  const { knex, plan } = options;
  const project = options.project ?? shippedProjectConfig();
  const migrations = project.migrations;
  // The swap path checks them only when it makes rows (a cached seeded state was made by these same definitions).
  if (!migrations) checkDefinitionSchemas(plan.definitions);
  if (!migrations) return resetTablesInPlace(options, project);
  // A project of real size, or with migrations outside transactions, is built aside and swapped in.
  const path = options.path ?? (await chooseResetPath(knex, { ...project, migrations })).path;
  if (path === 'swap') return resetBySwap(options, { ...project, migrations });
  checkDefinitionSchemas(plan.definitions);
  const logger = options.logger ?? silentLogger;
  const startedAt = new Date();
  const onWait = (holder: string) => logger.info(`Waiting for another tenantseed command to finish: ${holder}`);
  return withAdvisoryLock(knex, SEED_LOCK, { waitMs: options.lockWaitMs ?? 30_000, onWait }, () => thenWhileLocked(options, () =>
    withAdvisoryLock(knex, 'tenantseed:migrate', { waitMs: options.lockWaitMs ?? 30_000, onWait }, () =>
      knex.transaction(async (trx) => {
        await boundLockWaits(trx, options);
        const citus = await useSequentialShardAccess(trx);
        const role = await checkLoaderRole(trx, [], project.tenancy.adminRole);
        refuseRoleChangeOnCitus(citus, role);
        if (!role.superuser && !role.ownsTables) {
          throw new TenantseedError(`The role "${role.user}" cannot drop and rebuild the schema`, {
            hint: 'reset needs the owner of the schema or a superuser; seed needs less. Nothing was changed.',
          });
        }
        const stamp = await readEnvironmentStamp(trx);
        const databaseName = (await trx.raw('SELECT current_database() AS name')).rows[0].name as string;
        // Lock first, then count: no row committed in between can be destroyed unseen.
        await lockSchemaTables(trx, project.schemas, lockingOf(options));
        const notices = await assertMayDestroy({
          command: 'reset', environment: plan.profile.name, stamp, protected: plan.profile.protected, yes: options.yes ?? false,
          databaseName, confirm: options.confirm,
          contents: await tableContents(trx, project.schemas, rowsMadeByMigrations(plan.definitions)),
          foreign: (await foreignObjectsOf(trx, project.schemas, logger)).objects,
        });
        options.onProgress?.({ phase: 'migrate', rowsDone: 0, totalRows: 0 });
        await dropSchemaObjects(trx, project.schemas);
        await ensureBookkeeping(trx);
        let legacyFingerprint: string | undefined;
        const legacy = plan.legacyTables.filter((t) => t.rowCount() > 0);
        if (legacy.length > 0) {
          await migrateToLegacyBaseline(trx, plan, migrations);
          const fingerprint = new Fingerprint(plan.generatorVersion);
          await loadTables({ client: await transactionConnection(trx), tables: legacy, fingerprint, deferConstraints: true, strict: options.strict, onProgress: options.onProgress, phase: 'legacy rows', locking: lockingOf(options) });
          legacyFingerprint = fingerprint.digest();
        }
        if (legacy.length > 0) options.onProgress?.({ phase: 'migrate', rowsDone: 0, totalRows: 0 });
        await trx.migrate.latest(migratorConfig(migrations));
        await recordWhatMigrationsMade(trx, project.schemas);
        // On a Citus coordinator the tables are distributed before the dataset goes in.
        await distributeIfCitus(trx, { definitions: plan.definitions, project });
        // A role that passes RLS only through tenantseed_admin does not own the tables it then
        // writes, so it loads into the constrained tables instead of rebuilding their keys.
        const manifest = await loadDataset(trx, { ...options, command: 'reset', deferConstraints: !role.setRole, setRole: role.setRole, startedAt, legacyFingerprint });
        return { status: 'seeded' as const, manifest, seconds: (Date.now() - startedAt.getTime()) / 1000, notices };
      }),
    )),
  );
}

/**
 * `reset` of a schema that another tool migrates (a project without "migrations"): in one
 * transaction, locks exactly the tables the definitions name, refuses when a table outside
 * them references one (emptying would break it, or cascade into it), applies the one rule for
 * destructive operations to what they hold, empties them and loads the dataset into them with
 * their keys in place. No table, key, type or policy is dropped, created or changed.
 */
async function resetTablesInPlace(options: WriteDatasetOptions, project: ProjectConfig): Promise<SeedOutcome> {
  const { knex, plan } = options;
  const where = project.file ?? 'The project';
  const legacy = plan.legacyTables.filter((t) => t.rowCount() > 0).map((t) => t.name);
  if (legacy.length > 0) {
    throw new UsageError(`${where} names no "migrations", but the profile asks for legacy rows in ${legacy.join(', ')}: absorbing them needs tenantseed to run the migrations`, {
      hint: 'Remove "legacy" from the profile (or "x-legacy" from the definitions) for a schema another tool migrates. Nothing was changed.',
    });
  }
  const logger = options.logger ?? silentLogger;
  const startedAt = new Date();
  return withAdvisoryLock(knex, SEED_LOCK, { waitMs: options.lockWaitMs ?? 30_000, onWait: (holder) => logger.info(`Waiting for another tenantseed command to finish: ${holder}`) }, () => thenWhileLocked(options, () =>
    knex.transaction(async (trx) => {
      await boundLockWaits(trx, options);
      const citus = await useSequentialShardAccess(trx);
      const names = [...new Set(plan.definitions.tables.map((t) => t.table))];
      const tables: string[] = [];
      const qualified = new Map<string, string>();
      for (const name of names) {
        const table = await readTable(trx, name);
        if (!table) {
          throw new TenantseedError(`The definitions name the table ${name}, which is not in the schemas ${project.schemas.join(', ')}`, {
            hint: 'Migrate the database with your own tool first, or fix "schemas" in tenantseed.config.json. Nothing was changed.',
          });
        }
        tables.push(table.qualified);
        qualified.set(name, table.qualified);
      }
      const role = await checkLoaderRole(trx, names, project.tenancy.adminRole);
      refuseRoleChangeOnCitus(citus, role);
      await lockTablesAtOnce(knexLockQuery(trx), tables, lockingOf(options));
      const outside = await referencesFromOutside(trx, tables);
      if (outside.length > 0) {
        throw new SafetyError(`Refusing to reset: ${outside.length} foreign key(s) of tables without a definition point into the tables reset would empty:\n${outside.slice(0, 20).map((r) => `  ${r.table} (${r.constraint}) -> ${r.references}`).join('\n')}`, {
          hint: `Add a definition for ${[...new Set(outside.map((r) => r.table))].slice(0, 5).join(', ')} (its rows are then emptied and generated too; "x-count": {"default": 0} keeps it empty), or reset nothing and use seed. Nothing was changed.`,
        });
      }
      const stamp = await readEnvironmentStamp(trx);
      const databaseName = (await trx.raw('SELECT current_database() AS name')).rows[0].name as string;
      const notices = await assertMayDestroy({
        command: 'reset', environment: plan.profile.name, stamp, protected: plan.profile.protected, yes: options.yes ?? false,
        databaseName, confirm: options.confirm, contents: await tableContents(trx, project.schemas, rowsMadeByMigrations(plan.definitions), tables),
      });
      if (role.setRole) await trx.raw(`SET LOCAL ROLE ${role.setRole}`);
      // The rows the team's migrations made (x-existing-rows) go aside and come back exactly as they were.
      const kept = await setAsideRowsMadeByMigrations(trx, plan.definitions, qualified);
      await trx.raw(`TRUNCATE ${tables.map(requoteName).join(', ')}`);
      await restoreRowsMadeByMigrations(trx, kept);
      if (role.setRole) await trx.raw('RESET ROLE');
      await ensureBookkeeping(trx);
      // The schema is another tool's: load into the tables as they are, keys and all.
      const manifest = await loadDataset(trx, { ...options, command: 'reset', deferConstraints: false, setRole: role.setRole, startedAt });
      return { status: 'seeded' as const, manifest, seconds: (Date.now() - startedAt.getTime()) / 1000, notices };
    })),
  );
}
