import type { Knex } from 'knex';
import { shippedProjectConfig, silentLogger } from '../config';
import {
  BOOKKEEPING_SCHEMA, checkLoaderRole, ensureBookkeeping, listSchemaObjects, migratorConfig, readEnvironmentStamp, readTable, tableContents, withAdvisoryLock,
} from '../db';
import { TenantseedError, UsageError } from '../errors';
import { Fingerprint, Plan } from '../generate';
import { loadTables } from '../load';
import { assertMayDestroy, lockSchemaTables, rowsMadeByMigrations } from './safety';
import { loadDataset, SEED_LOCK, SeedOutcome, transactionConnection, WriteDatasetOptions } from './seed-database';

/**
 * Drops everything a migration can have made in the project's schemas (tables, views,
 * sequences, routines, types, domains; not what belongs to an extension), and the bookkeeping
 * schema. The schemas themselves stay, with their owners and privileges.
 */
async function dropSchemaObjects(trx: Knex.Transaction, schemas: readonly string[]): Promise<void> {
  for (const object of await listSchemaObjects(trx, schemas)) await trx.raw(`DROP ${object.kind} IF EXISTS ${object.name} CASCADE`);
  await trx.raw(`DROP SCHEMA IF EXISTS ${BOOKKEEPING_SCHEMA} CASCADE`);
}

/**
 * Migrates one step at a time until every legacy table exists in its pre-tenancy shape (no
 * tenant column yet): where legacy rows must be loaded so that the tenancy migration absorbs
 * them. Knows no migration by name.
 */
async function migrateToLegacyBaseline(trx: Knex.Transaction, plan: Plan, migrations: string): Promise<void> {
  const ready = async () => {
    for (const table of plan.legacyTables) {
      const catalog = await readTable(trx, table.name);
      if (!catalog) return false;
      if (catalog.columns.some((c) => c.name === table.definition.tenantColumn)) {
        throw new TenantseedError(`The migrations give ${table.name} its tenant column before ${table.name} exists without one`, {
          hint: 'A table marked "x-legacy" must be created by a migration that runs before the one adding its tenant column.',
        });
      }
    }
    return true;
  };
  while (!(await ready())) {
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
export async function resetDatabase(options: WriteDatasetOptions): Promise<SeedOutcome> {
  const { knex, plan } = options;
  const project = options.project ?? shippedProjectConfig();
  const migrations = project.migrations;
  if (!migrations) {
    throw new UsageError(`${project.file ?? 'The project'} names no "migrations": tenantseed does not own this schema, so reset cannot rebuild it`, {
      hint: 'Add "migrations" to tenantseed.config.json, or load into the schema as it is with `tenantseed seed`. Nothing was changed.',
    });
  }
  const logger = options.logger ?? silentLogger;
  const startedAt = new Date();
  const onWait = (holder: string) => logger.info(`Waiting for another tenantseed command to finish: ${holder}`);
  return withAdvisoryLock(knex, SEED_LOCK, { waitMs: options.lockWaitMs ?? 30_000, onWait }, () =>
    withAdvisoryLock(knex, 'tenantseed:migrate', { waitMs: options.lockWaitMs ?? 30_000, onWait }, () =>
      knex.transaction(async (trx) => {
        const role = await checkLoaderRole(trx, [], project.tenancy.adminRole);
        if (!role.superuser && !role.ownsTables) {
          throw new TenantseedError(`The role "${role.user}" cannot drop and rebuild the schema`, {
            hint: 'reset needs the owner of the schema or a superuser; seed needs less. Nothing was changed.',
          });
        }
        const stamp = await readEnvironmentStamp(trx);
        const databaseName = (await trx.raw('SELECT current_database() AS name')).rows[0].name as string;
        // Lock first, then count: no row committed in between can be destroyed unseen.
        await lockSchemaTables(trx, project.schemas);
        const notices = await assertMayDestroy({
          command: 'reset', environment: plan.profile.name, stamp, protected: plan.profile.protected, yes: options.yes ?? false,
          databaseName, confirm: options.confirm,
          contents: await tableContents(trx, project.schemas, rowsMadeByMigrations(plan.definitions)),
        });
        await dropSchemaObjects(trx, project.schemas);
        await ensureBookkeeping(trx);
        let legacyFingerprint: string | undefined;
        const legacy = plan.legacyTables.filter((t) => t.rowCount() > 0);
        if (legacy.length > 0) {
          await migrateToLegacyBaseline(trx, plan, migrations);
          const fingerprint = new Fingerprint(plan.generatorVersion);
          await loadTables({ client: await transactionConnection(trx), tables: legacy, fingerprint, deferConstraints: true, strict: options.strict, onProgress: options.onProgress });
          legacyFingerprint = fingerprint.digest();
        }
        await trx.migrate.latest(migratorConfig(migrations));
        // A role that passes RLS only through tenantseed_admin does not own the tables it then
        // writes, so it loads into the constrained tables instead of rebuilding their keys.
        const manifest = await loadDataset(trx, { ...options, command: 'reset', deferConstraints: !role.setRole, setRole: role.setRole, startedAt, legacyFingerprint });
        return { status: 'seeded' as const, manifest, seconds: (Date.now() - startedAt.getTime()) / 1000, notices };
      }),
    ),
  );
}
