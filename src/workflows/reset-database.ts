import type { Knex } from 'knex';
import { silentLogger } from '../config';
import {
  BOOKKEEPING_SCHEMA, checkLoaderRole, ensureBookkeeping, migratorConfig, readEnvironmentStamp, withAdvisoryLock,
} from '../db';
import { TenantseedError } from '../errors';
import { Fingerprint, Plan } from '../generate';
import { loadTables } from '../load';
import { assertSafeToWrite } from './safety';
import { loadDataset, SEED_LOCK, SeedOutcome, transactionConnection, WriteDatasetOptions } from './seed-database';

/** Drops every table, view and sequence of the public schema, and the bookkeeping schema. */
async function dropProductObjects(trx: Knex.Transaction): Promise<void> {
  const objects = await trx.raw(
    `SELECT c.relkind, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')`,
  );
  const kinds: Record<string, string> = { r: 'TABLE', p: 'TABLE', v: 'VIEW', m: 'MATERIALIZED VIEW', S: 'SEQUENCE', f: 'FOREIGN TABLE' };
  for (const { relkind, relname } of objects.rows) {
    await trx.raw(`DROP ${kinds[relkind]} IF EXISTS "public"."${String(relname).replace(/"/g, '""')}" CASCADE`);
  }
  await trx.raw(`DROP SCHEMA IF EXISTS ${BOOKKEEPING_SCHEMA} CASCADE`);
}

async function columnsOf(trx: Knex.Transaction, table: string): Promise<string[] | undefined> {
  const result = await trx.raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = ?`, [table]);
  return result.rows.length === 0 ? undefined : result.rows.map((r: { column_name: string }) => r.column_name);
}

/**
 * Migrates one step at a time until every legacy table exists in its pre-tenancy shape (no
 * tenant column yet): where legacy rows must be loaded so that the tenancy migration absorbs
 * them. Knows no migration by name.
 */
async function migrateToLegacyBaseline(trx: Knex.Transaction, plan: Plan): Promise<void> {
  const ready = async () => {
    for (const table of plan.legacyTables) {
      const columns = await columnsOf(trx, table.name);
      if (!columns) return false;
      if (columns.includes(table.definition.tenantColumn!)) {
        throw new TenantseedError(`The migrations give ${table.name} its tenant column before ${table.name} exists without one`, {
          hint: 'A table marked "x-legacy" must be created by a migration that runs before the one adding its tenant column.',
        });
      }
    }
    return true;
  };
  while (!(await ready())) {
    const [, ran] = (await trx.migrate.up(migratorConfig())) as [number, unknown[]];
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
  const logger = options.logger ?? silentLogger;
  const startedAt = new Date();
  const onWait = (holder: string) => logger.info(`Waiting for another tenantseed command to finish: ${holder}`);
  return withAdvisoryLock(knex, SEED_LOCK, { waitMs: options.lockWaitMs ?? 30_000, onWait }, () =>
    withAdvisoryLock(knex, 'tenantseed:migrate', { waitMs: options.lockWaitMs ?? 30_000, onWait }, () =>
      knex.transaction(async (trx) => {
        const role = await checkLoaderRole(trx, []);
        if (!role.superuser && !role.ownsTables) {
          throw new TenantseedError(`The role "${role.user}" cannot drop and rebuild the schema`, {
            hint: 'reset needs the owner of the schema or a superuser; seed needs less. Nothing was changed.',
          });
        }
        const stamp = await readEnvironmentStamp(trx);
        const databaseName = (await trx.raw('SELECT current_database() AS name')).rows[0].name as string;
        const notices = await assertSafeToWrite({
          command: 'reset', environment: plan.profile.name, stamp, protected: plan.profile.protected, destructive: true, yes: options.yes ?? false,
          databaseName, confirm: options.confirm,
        });
        await dropProductObjects(trx);
        await ensureBookkeeping(trx);
        let legacyFingerprint: string | undefined;
        const legacy = plan.legacyTables.filter((t) => t.rowCount() > 0);
        if (legacy.length > 0) {
          await migrateToLegacyBaseline(trx, plan);
          const fingerprint = new Fingerprint(plan.generatorVersion);
          await loadTables({ client: await transactionConnection(trx), tables: legacy, fingerprint, deferConstraints: true, onProgress: options.onProgress });
          legacyFingerprint = fingerprint.digest();
        }
        await trx.migrate.latest(migratorConfig());
        // A role that passes RLS only through tenantseed_admin does not own the tables it then
        // writes, so it loads into the constrained tables instead of rebuilding their keys.
        const manifest = await loadDataset(trx, { ...options, command: 'reset', deferConstraints: !role.setRole, setRole: role.setRole, startedAt, legacyFingerprint });
        return { status: 'seeded' as const, manifest, seconds: (Date.now() - startedAt.getTime()) / 1000, notices };
      }),
    ),
  );
}
