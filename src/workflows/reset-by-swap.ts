import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { DatabaseTarget, Logger, parseDatabaseUrl, ProjectConfig, silentLogger } from '../config';
import {
  checkLoaderRole, citusStatus, copyDatabaseSettings, copyRoleDatabaseSettings, createKnex, findForeignObjects, recordMadeObjects, namesInUse, quoteIdentifier, readEnvironmentStamp, redateLatestManifest, SeedManifest,
  tableContents, TableContents, takeNameLock, toDatabaseError, withAdvisoryLock, withDatabaseName, writeEnvironmentStamp,
} from '../db';
import { checkDefinitionSchemas } from '../definitions';
import { SafetyError, TenantseedError } from '../errors';
import { datasetKey, Fingerprint } from '../generate';
import { loadTables } from '../load';
import type { ValidationReport } from '../validate';
import { assertMayDestroy, rowsMadeByMigrations } from './safety';
import { boundLockWaits, loadDataset, lockingOf, SEED_LOCK, SeedOutcome, transactionConnection, WriteDatasetOptions } from './seed-database';
import { runOwnTransactionMigrations } from './own-transaction-migrations';
import { cloneCachedState, findCachedState, pruneCacheBuilds, resetCacheKeys, storeCachedState } from './reset-cache';
import { legacyBaselineReached } from './legacy-baseline';
import { dropProof, ProofScope, serverStateDigest, takeProof, TakenProof, writeProof } from './reset-proof';

/** Options of reset (both paths). */
export interface ResetDatabaseOptions extends WriteDatasetOptions {
  /**
   * Validates the new database before it replaces the previous one (the swap path; the
   * in-place path leaves validation to the caller, after its commit). A report that is not
   * ok keeps the previous database.
   */
  validate?: (knex: Knex) => Promise<ValidationReport>;
  /**
   * The caller's validation settings, as a key (whatever `validate` depends on besides the
   * database and the server: shared tables, accepted advice, allowed skips). Given, a state that
   * validated is kept with its report, and a reset that clones it takes that report instead of
   * validating the copy, when the key, the server's roles and settings and tenantseed are
   * unchanged ({@link takeProof}); the report then says `reused`, and its context is the earlier
   * run's (when the checks ran, and the database that run described) but for this run's stamp.
   * Absent: every copy is validated.
   */
  proofKey?: string;
  /** Which path: chosen by {@link chooseResetPath} unless given (TENANTSEED_RESET_PATH in the CLI). */
  path?: ResetPath;
  /**
   * The swap path's previous database, renamed away by the swap: dropped before reset returns
   * (`wait`, the default), or left to the caller (`later`: the outcome names it, and the caller
   * runs {@link dropPreviousDatabase}, in the background; the CLI does). DROP DATABASE waits
   * for a checkpoint of the whole server: 0.7 s on a quiet machine, 6-16 s on a loaded one.
   */
  dropPrevious?: 'wait' | 'later';
}

/**
 * What reset did; the swap path also returns the validation it ran before the swap, and with
 * `dropPrevious: 'later'` the previous database the caller is to drop (and the server's
 * maintenance database to connect to for it).
 */
export type ResetOutcome = SeedOutcome & {
  readonly validation?: ValidationReport;
  readonly path?: ResetPath;
  readonly previous?: { readonly database: string; readonly server: DatabaseTarget };
};

/** `swap`: build in a scratch database, then swap it in by rename. `in-place`: one transaction in the target. */
export type ResetPath = 'swap' | 'in-place';

/** The databases a swap must never rename: where sessions go to create, drop and rename the others. */
const MAINTENANCE_DATABASES = ['postgres', 'template0', 'template1'];
/** From this many migrations on, one transaction risks PostgreSQL's lock table (max_locks_per_transaction 64). */
export const MANY_MIGRATIONS = 200;
const SCRATCH_PREFIX = 'tenantseed_reset_';
const PREVIOUS_PREFIX = 'tenantseed_prev_';
const MARKER = 'tenantseed-reset ';

/** The target of a knex instance (its connection string). */
function targetOf(knex: Knex): DatabaseTarget | undefined {
  const connection = (knex.client.config as Knex.Config).connection as { connectionString?: string } | undefined;
  return connection?.connectionString ? parseDatabaseUrl(connection.connectionString, 'the connection') : undefined;
}

/** Why the swap path cannot serve this database, or undefined when it can. */
async function swapUnavailable(knex: Knex): Promise<string | undefined> {
  if (!targetOf(knex)) return 'the connection is not given as a URL';
  const row = (await knex.raw(
    `SELECT current_database() AS name, r.rolsuper OR r.rolcreatedb AS createdb, pg_has_role(current_user, d.datdba, 'MEMBER') AS owner
       FROM pg_roles r, pg_database d WHERE r.rolname = current_user AND d.datname = current_database()`,
  )).rows[0] as { name: string; createdb: boolean; owner: boolean };
  if (MAINTENANCE_DATABASES.includes(row.name)) return `${row.name} is a maintenance database, which is never renamed`;
  if (!row.createdb) return 'the role may not create databases (CREATEDB)';
  if (!row.owner) return `the role does not own the database ${row.name} (renaming it needs its owner)`;
  if ((await citusStatus(knex)).installed) return 'Citus databases cannot be copied or renamed on every node at once';
  return undefined;
}

/**
 * What a migrations folder asks of reset: how many migrations, and whether one declares
 * `transaction: false` (read as text, without running the file: a false positive only picks
 * the swap path, which serves every project).
 */
function migrationDemands(directory: string): { count: number; nonTransactional: boolean } {
  const files = fs.existsSync(directory) ? fs.readdirSync(directory).filter((f) => /^[^._].*\.(ts|mts|cts|js|mjs|cjs)$/.test(f) && !/\.d\.[cm]?ts$/.test(f)) : [];
  return { count: files.length, nonTransactional: files.some((f) => /transaction\s*:\s*false/.test(fs.readFileSync(path.join(directory, f), 'utf8'))) };
}

/**
 * The path a reset takes. The swap path (build in a scratch database, then swap by rename)
 * where the project needs it, a migration declaring `transaction: false` or more than
 * {@link MANY_MIGRATIONS} migrations, and the server allows it: the role may create databases,
 * owns the target, the target is not a maintenance database, not Citus. Everywhere else, and
 * for the shipped schema, today's single transaction in the target.
 */
export async function chooseResetPath(knex: Knex, project: ProjectConfig & { migrations: string }): Promise<{ path: ResetPath; why: string }> {
  const demands = migrationDemands(project.migrations);
  const needed = demands.nonTransactional ? 'a migration runs outside a transaction' : demands.count > MANY_MIGRATIONS ? `${demands.count} migrations` : undefined;
  if (!needed) return { path: 'in-place', why: `${demands.count} migrations, all in transactions` };
  const unavailable = await swapUnavailable(knex);
  if (unavailable) {
    throw new TenantseedError(`reset needs to build ${project.migrations}'s schema in a scratch database (${needed}), but ${unavailable}`, {
      hint: 'Connect as a role with CREATEDB that owns the database (ALTER ROLE ... CREATEDB; ALTER DATABASE ... OWNER TO ...), and to a database other than postgres/template1. Nothing was changed.',
    });
  }
  return { path: 'swap', why: needed };
}

async function withServer<T>(server: DatabaseTarget, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server.url, application_name: 'tenantseed reset' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await fn(client);
  } catch (err) {
    throw err instanceof TenantseedError ? err : toDatabaseError(err, server);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The maintenance database of the server (postgres, else template1): where databases are created and renamed. */
async function maintenanceTarget(target: DatabaseTarget): Promise<DatabaseTarget> {
  for (const name of ['postgres', 'template1']) {
    const candidate = withDatabaseName(target, name);
    const ok = await withServer(candidate, async () => true).catch(() => false);
    if (ok) return candidate;
  }
  throw new TenantseedError(`reset cannot connect to the maintenance database (postgres or template1) of ${target.host}:${target.port}`, {
    hint: 'The swap path creates and renames databases from there: grant CONNECT on postgres to the role. Nothing was changed.',
  });
}

/**
 * Scratch and previous databases a killed reset left, and cache builds: marked by this code (or
 * a scratch database killed before its marker was written: no comment at all), and whose name
 * lock no session holds (the resetting process holds it from before the
 * database exists until its session ends, so a live reset on any host keeps its own). Markers
 * of an older tenantseed, written without the lock, are judged as before: their process gone
 * on this host, or older than a day.
 */
async function pruneLeftovers(client: pg.Client): Promise<void> {
  const rows = (await client.query(
    `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE 'tenantseed\\_reset\\_%' OR datname LIKE 'tenantseed\\_prev\\_%'`,
  )).rows as Array<{ name: string; comment: string | null }>;
  const leftovers: Array<{ name: string; marker: { host: string; pid: number; created: string; lock?: string } }> = [];
  for (const row of rows) {
    if (row.comment === null && row.name.startsWith(SCRATCH_PREFIX)) {
      // Killed between CREATE DATABASE and its COMMENT: unmarked, but made under its name lock like every scratch database.
      leftovers.push({ name: row.name, marker: { host: '', pid: 0, created: '', lock: 'name' } });
      continue;
    }
    if (!row.comment?.startsWith(MARKER)) continue;
    try {
      const marker = JSON.parse(row.comment.slice(MARKER.length)) as { host: string; pid: number; created: string; lock?: string };
      if (typeof marker?.created === 'string' && typeof marker.host === 'string') leftovers.push({ name: row.name, marker });
    } catch {
      // not a marker this code wrote: left alone
    }
  }
  const live = await namesInUse(client, leftovers.map((l) => l.name));
  for (const { name, marker } of leftovers) {
    const stale = marker.lock === 'name' ? !live.has(name) : olderLeftoverIsStale(marker);
    if (stale) await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`).catch(() => undefined);
  }
  await pruneCacheBuilds(client);
}

/** A leftover of a tenantseed that did not lock by name: its process is gone (on this host), or it is older than a day. */
function olderLeftoverIsStale(marker: { host: string; pid: number; created: string }): boolean {
  let alive = false;
  try {
    process.kill(marker.pid, 0);
    alive = true;
  } catch (err) {
    alive = (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  return (marker.host === os.hostname() && !alive) || Date.now() - Date.parse(marker.created) > 86_400_000;
}

function markerFor(target: string): string {
  return pg.escapeLiteral(MARKER + JSON.stringify({ target, host: os.hostname(), pid: process.pid, created: new Date().toISOString(), lock: 'name' }));
}

/**
 * The settings of `target` (ALTER DATABASE ... SET, and its roles' ALTER ROLE ... IN DATABASE
 * ... SET) and its grants, on `scratch`, replacing whatever settings it had (a clone's, say):
 * what the swap carries over is what validation sees. Resolves to the role settings the
 * connecting role may not make (the SQL to run), which the caller names.
 */
async function adoptTargetSettings(client: pg.Client, target: string, scratch: string, options: { inTransaction?: boolean } = {}): Promise<string[]> {
  await client.query(`ALTER DATABASE ${quoteIdentifier(scratch)} RESET ALL`);
  await copyDatabaseSettings(client, target, scratch);
  return copyRoleDatabaseSettings(client, target, scratch, options);
}

/** The sessions on a database other than the asking one, as a refusal lists them. */
async function sessionsOn(client: pg.Client, database: string): Promise<Array<{ pid: number; text: string }>> {
  const rows = (await client.query(
    `SELECT pid, usename, application_name, client_addr::text AS client, state, backend_start FROM pg_stat_activity
      WHERE datname = $1 AND pid <> pg_backend_pid() ORDER BY backend_start`,
    [database],
  )).rows as Array<{ pid: number; usename: string; application_name: string; client: string | null; state: string | null; backend_start: Date }>;
  return rows.map((r) => ({
    pid: r.pid,
    text: `pid ${r.pid} ${r.application_name ? `"${r.application_name}"` : '(no application name)'} user ${r.usename}${r.client ? ` from ${r.client}` : ''}, ${r.state ?? 'unknown state'}, connected since ${new Date(r.backend_start).toISOString()}`,
  }));
}

/** What the checks on the target found, before anything was built. */
interface TargetCheck {
  readonly databaseName: string;
  readonly contents: readonly TableContents[];
  readonly notices: readonly string[];
  readonly schemas: ReadonlyArray<{ name: string; owner: string }>;
}

/** The one rule on the target (stamp, environment, what it holds), read without locking the application out. */
async function checkTarget(options: ResetDatabaseOptions, project: ProjectConfig): Promise<TargetCheck> {
  const { knex, plan } = options;
  return knex.transaction(async (trx) => {
    await boundLockWaits(trx, options);
    await checkLoaderRole(trx, [], project.tenancy.adminRole);
    const stamp = await readEnvironmentStamp(trx);
    const databaseName = (await trx.raw('SELECT current_database() AS name')).rows[0].name as string;
    const contents = await tableContents(trx, project.schemas, rowsMadeByMigrations(plan.definitions));
    // Objects the project's migrations did not make (tenantseed.made_objects) are listed like rows.
    const found = await findForeignObjects(trx, project.schemas);
    if (found.unrecorded) options.logger?.info(`Note: ${found.unrecorded}.`);
    const notices = await assertMayDestroy({
      foreign: found.objects,
      command: 'reset', environment: plan.profile.name, stamp, protected: plan.profile.protected, yes: options.yes ?? false,
      databaseName, confirm: options.confirm, contents,
    });
    const schemas = (await trx.raw(
      `SELECT nspname AS name, pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname IN (SELECT jsonb_array_elements_text(?::jsonb))`,
      [JSON.stringify(project.schemas)],
    )).rows as Array<{ name: string; owner: string }>;
    return { databaseName, contents, notices, schemas };
  }, { readOnly: true } as Knex.TransactionConfig);
}

/** Migrates the scratch database (absorbing legacy rows), or clones the cached migrated state. Returns the legacy fingerprint. */
async function buildMigratedState(
  scratch: Knex, server: pg.Client, names: { scratch: string; key: string },
  options: ResetDatabaseOptions, project: ProjectConfig & { migrations: string }, check: TargetCheck, logger: Logger,
): Promise<{ legacyFingerprint?: string; cached: boolean }> {
  const { plan } = options;
  const cached = await findCachedState(server, names.key);
  // Cloning the cache or migrating: the migrate phase of the progress display.
  options.onProgress?.({ phase: 'migrate', rowsDone: 0, totalRows: 0 });
  if (cached) {
    logger.info(`Reset: cloning the migrated schema (cached, key ${names.key}) into ${names.scratch}`);
    await cloneCachedState(server, names.key, names.scratch);
    return { legacyFingerprint: cached.legacyFingerprint, cached: true };
  }
  await server.query(`CREATE DATABASE ${quoteIdentifier(names.scratch)} TEMPLATE template0`);
  await server.query(`COMMENT ON DATABASE ${quoteIdentifier(names.scratch)} IS ${markerFor(check.databaseName)}`);
  logger.info(`Reset: migrating ${names.scratch} (each migration in its own transaction, or none where it says so)`);
  // The project's schemas exist before its migrations run, as in the target.
  for (const schema of check.schemas) {
    await scratch.raw(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema.name)}`);
    await scratch.raw(`ALTER SCHEMA ${quoteIdentifier(schema.name)} OWNER TO ${quoteIdentifier(schema.owner)}`).catch(() => undefined);
  }
  let legacyFingerprint: string | undefined;
  const legacy = plan.legacyTables.filter((t) => t.rowCount() > 0);
  if (legacy.length > 0) {
    await runOwnTransactionMigrations(scratch, { directory: project.migrations, stopBefore: () => legacyBaselineReached(scratch, plan) });
    if (!(await legacyBaselineReached(scratch, plan))) await legacyBaselineReached(scratch, plan, { mustExist: true });
    const fingerprint = new Fingerprint(plan.generatorVersion);
    await scratch.transaction(async (trx) => {
      await loadTables({ client: await transactionConnection(trx), tables: legacy, fingerprint, deferConstraints: true, strict: options.strict, locking: lockingOf(options) });
    });
    legacyFingerprint = fingerprint.digest();
  }
  await runOwnTransactionMigrations(scratch, { directory: project.migrations });
  // Everything in the freshly migrated schemas is the migrations': recorded, and kept in the cache.
  await scratch.transaction((trx) => recordMadeObjects(trx, project.schemas, { objects: [], ledgerTop: 0 }));
  // CREATE DATABASE ... TEMPLATE needs the source without sessions: the pool is closed, then reopened.
  await scratch.destroy();
  await storeCachedState(server, names.scratch, { key: names.key, migrations: project.migrations, legacyFingerprint });
  scratch.initialize();
  return { legacyFingerprint, cached: false };
}

/**
 * The dataset loaded into the scratch database, from its migrated state (cloned from the
 * migrated-schema cache, or migrated). The definitions are checked as JSON Schemas here, if the
 * caller deferred it: rows are about to be made from them.
 */
async function buildSeededState(
  scratch: Knex, server: pg.Client, names: { scratch: string; key: string },
  options: ResetDatabaseOptions, project: ProjectConfig & { migrations: string }, check: TargetCheck, startedAt: Date, logger: Logger,
): Promise<SeedManifest> {
  const { plan } = options;
  checkDefinitionSchemas(plan.definitions);
  const state = await buildMigratedState(scratch, server, names, options, project, check, logger);
  if (state.cached) await server.query(`COMMENT ON DATABASE ${quoteIdentifier(names.scratch)} IS ${markerFor(check.databaseName)}`);
  logger.info(`Reset: loading the ${plan.profile.name} dataset into ${names.scratch}`);
  return scratch.transaction(async (trx) => {
    await boundLockWaits(trx, options);
    const role = await checkLoaderRole(trx, [], project.tenancy.adminRole);
    return loadDataset(trx, { ...options, command: 'reset', deferConstraints: !role.setRole, setRole: role.setRole, startedAt, legacyFingerprint: state.legacyFingerprint });
  });
}

/**
 * Clones the seeded state of `key` (a reset of the same migrations, dataset, schemas and
 * tenancy names that validated) into the scratch database, instead of migrating and loading:
 * its manifest is dated by this run and the environment stamped by it, as a load would. No
 * row is made, so the definitions are not compiled: they are the ones that made the state.
 */
async function cloneSeededState(
  scratch: Knex, server: pg.Client, names: { scratch: string; key: string; target: string; scope: ProofScope }, options: ResetDatabaseOptions, startedAt: Date, logger: Logger,
): Promise<{ manifest: SeedManifest; proof: TakenProof }> {
  const { plan } = options;
  options.onProgress?.({ phase: 'migrate', rowsDone: 0, totalRows: 0 });
  logger.info(`Reset: cloning the seeded ${plan.profile.name} dataset (cached, key ${names.key}) into ${names.scratch}`);
  await cloneCachedState(server, names.key, names.scratch);
  await server.query(`COMMENT ON DATABASE ${quoteIdentifier(names.scratch)} IS ${markerFor(names.target)}`);
  // Before any session of the scratch pool starts: validation, and the proof's digest, see what the application will.
  await adoptTargetSettings(server, names.target, names.scratch);
  return scratch.transaction(async (trx) => {
    await boundLockWaits(trx, options);
    const manifest = await redateLatestManifest(trx, startedAt);
    // The key covers the dataset key: a clone holding another dataset is a bug, never swapped in.
    if (manifest?.datasetKey !== datasetKey(plan)) throw new Error(`the cached seeded state ${names.key} holds another dataset (${manifest?.datasetKey ?? 'none'})`);
    await writeEnvironmentStamp(trx, plan.profile.name, 'reset');
    // The copy is swapped in without the cache's proof, whether it stands or not.
    const proof = options.proofKey === undefined ? (await dropProof(trx), { why: 'the caller asked for validation' }) : await takeProof(trx, options.proofKey, names.scope);
    if (!proof.report) return { manifest, proof };
    const stamp = await readEnvironmentStamp(trx);
    // When the checks ran stays theirs (generatedAt); the stamp is this run's.
    const context = proof.report.context && {
      ...proof.report.context,
      stamp: stamp && { environment: stamp.environment, stampedBy: stamp.stampedBy, stampedAt: stamp.stampedAt.toISOString() },
    };
    const report: ValidationReport = { ...proof.report, ...(context ? { context } : {}), reused: { validatedAt: proof.validatedAt.toISOString(), cache: names.key } };
    return { manifest, proof: { report, validatedAt: proof.validatedAt } };
  });
}

/**
 * Reset by swap: builds the new state in a scratch database of the same server (the seeded
 * state of an earlier reset cloned when its inputs did not change; else the migrated schema
 * cloned from the cache when the migrations did not change, or migrated as Knex would, each
 * migration in its own transaction or none, legacy rows absorbed, and the dataset loaded; either
 * way validated, and a loaded state that validated kept as the seeded cache), then swaps it in:
 * in one transaction the target is renamed away and the scratch database takes its name
 * (settings, grants, owner and comment carried over). The previous database is dropped only
 * after that commit (by the caller, with `dropPrevious: 'later'`). Sessions on the target are
 * listed and refused (exit 3) unless `--yes` or a typed confirmation ends them. A failure or
 * kill before the commit leaves the target as it was (the scratch database is dropped, or
 * pruned by the next reset); after it, the new one is complete.
 */
export async function resetBySwap(options: ResetDatabaseOptions, project: ProjectConfig & { migrations: string }): Promise<ResetOutcome> {
  const { knex, plan } = options;
  const logger = options.logger ?? silentLogger;
  const startedAt = new Date();
  const target = targetOf(knex)!;
  const server = await maintenanceTarget(target);
  const lockWaitMs = options.lockWaitMs ?? 30_000;
  const onWait = (holder: string) => logger.info(`Waiting for another tenantseed command to finish: ${holder}`);
  const keys = resetCacheKeys(project, plan, { strict: options.strict });
  const scratchName = `${SCRATCH_PREFIX}${randomBytes(6).toString('hex')}`;
  const scratchTarget = withDatabaseName(target, scratchName);
  // The roles validation acts as or through, besides the connection's, and the project's schemas: a proof stands while what they reach is unchanged.
  const proofScope: ProofScope = { roles: [project.tenancy.appRole, project.tenancy.adminRole], schemas: project.schemas };
  return withServer(server, async (client) => {
    let swapped = false;
    try {
      const built = await withAdvisoryLock(knex, SEED_LOCK, { waitMs: lockWaitMs, onWait }, () =>
        withAdvisoryLock(knex, 'tenantseed:migrate', { waitMs: lockWaitMs, onWait }, async () => {
          // The one rule's look at the target (a first read of every table on a new connection:
          // about 0.3 s for 420 tables) runs while the scratch database is made and a cached seeded
          // state cloned into it: nothing of the target changes before it has passed, and a refusal
          // drops the scratch database (below).
          const checking = checkTarget(options, project);
          const scratch = createKnex(scratchTarget, { applicationName: 'tenantseed reset', searchPath: project.schemas, logger });
          try {
            const cloning = (async () => {
              // Held by this session until it ends: the scratch database is this run's while it lives.
              if (!(await takeNameLock(client, scratchName))) throw new Error(`the scratch name ${scratchName} is locked by another session`);
              await pruneLeftovers(client);
              const seeded = await findCachedState(client, keys.seeded);
              return seeded ? cloneSeededState(scratch, client, { scratch: scratchName, key: keys.seeded, target: target.database, scope: proofScope }, options, startedAt, logger) : undefined;
            })();
            // Both settle before either outcome counts: a refusal never races the clone it drops.
            const [checked, clonedState] = await Promise.allSettled([checking, cloning]);
            if (checked.status === 'rejected') throw checked.reason;
            if (clonedState.status === 'rejected') throw clonedState.reason;
            const check = checked.value;
            const cloned = clonedState.value;
            const seeded = cloned !== undefined;
            const manifest = cloned?.manifest ?? await buildSeededState(scratch, client, { scratch: scratchName, key: keys.migrated }, options, project, check, startedAt, logger);
            let validation: ValidationReport | undefined;
            if (options.validate && cloned?.proof.report) {
              validation = cloned.proof.report;
              logger.info(`Reset: the validation of the cached state (${cloned.proof.validatedAt.toISOString()}) stands for its copy ${scratchName}: same data, validation settings, roles, server settings and tenantseed`);
            } else if (options.validate) {
              if (cloned && !cloned.proof.report && options.proofKey !== undefined) logger.info(`Reset: validating ${scratchName} again: ${cloned.proof.why}`);
              else logger.info(`Reset: validating ${scratchName}`);
              if (!seeded) {
                // Validation's sessions start with the target's settings: the pool is reopened for them.
                await adoptTargetSettings(client, target.database, scratchName);
                await scratch.destroy();
                scratch.initialize();
              }
              // Taken before validation runs: a state that changes while it runs keeps no proof.
              const stateBefore = options.proofKey === undefined ? undefined : await serverStateDigest(scratch, proofScope);
              validation = await options.validate(scratch);
              // A state that validated is kept: the next reset of the same inputs clones it instead of loading.
              // A cloned one whose proof did not stand is kept again with this validation's proof, so
              // that the next reset under the same roles and settings need not validate it.
              const renewed = seeded && options.proofKey !== undefined;
              if ((!seeded || renewed) && validation.ok) {
                logger.info(seeded
                  ? `Reset: keeping the ${plan.profile.name} dataset's cache (key ${keys.seeded}) with this validation as its proof`
                  : `Reset: keeping the validated ${plan.profile.name} dataset as a cache (key ${keys.seeded})`);
                if (options.proofKey !== undefined && stateBefore !== undefined && !(await writeProof(scratch, options.proofKey, proofScope, validation, stateBefore))) {
                  logger.info('Reset: the roles or settings changed while validation ran: the cache keeps no proof, and the next reset validates its copy');
                }
                await scratch.destroy();
                await storeCachedState(client, scratchName, { key: keys.seeded, kind: 'seeded', environment: plan.profile.name, migratedKey: keys.migrated, migrations: project.migrations }, { replace: seeded });
                scratch.initialize();
                await dropProof(scratch);
              }
            }
            // Rows committed to the target since the check would be lost unseen: look again.
            const again = await knex.transaction((trx) => tableContents(trx, project.schemas, rowsMadeByMigrations(plan.definitions)), { readOnly: true } as Knex.TransactionConfig);
            if (JSON.stringify(again) !== JSON.stringify(check.contents)) {
              throw new SafetyError(`Refusing to swap: the database ${check.databaseName} changed while reset built its replacement (its tables now hold other row counts)`, {
                hint: 'Stop what writes to it, and run reset again. The previous database is unchanged.',
              });
            }
            return { check, manifest, validation };
          } finally {
            await scratch.destroy();
          }
        }));
      if (built.validation && !built.validation.ok) {
        return { status: 'seeded' as const, manifest: built.manifest, seconds: (Date.now() - startedAt.getTime()) / 1000, path: 'swap' as const, validation: built.validation,
          notices: [...built.check.notices, `Validation failed: the new database was not swapped in; ${built.check.databaseName} is as it was.`] };
      }
      // The caller's own pool holds sessions on the target too; reopened after the swap, it reaches the new database.
      await knex.destroy();
      logger.info(`Reset: swapping ${scratchName} in as ${built.check.databaseName}`);
      const swap = await swapIn(client, built.check.databaseName, scratchName, options);
      swapped = true;
      knex.initialize();
      return {
        status: 'seeded' as const, manifest: built.manifest, seconds: (Date.now() - startedAt.getTime()) / 1000, notices: [...built.check.notices, ...swap.notices], validation: built.validation,
        path: 'swap' as const, previous: swap.dropLater ? { database: swap.dropLater, server } : undefined,
      };
    } finally {
      if (!swapped) {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(scratchName)} WITH (FORCE)`).catch(() => undefined);
        // A refusal or failure after the pool was closed: the caller's knex works again.
        if (!(knex.client as { pool?: unknown }).pool) knex.initialize();
      }
    }
  });
}

/**
 * The swap: in one transaction, the target is renamed away and the scratch database takes its
 * name, with the target's settings, grants, owner and comment. Sessions on the target are
 * asked about (listed; ended only with `--yes` or a typed confirmation). The previous database
 * is dropped after the commit (a drop that fails is named in a notice), or, with `dropPrevious:
 * 'later'`, named for the caller to drop.
 */
async function swapIn(client: pg.Client, target: string, scratch: string, options: ResetDatabaseOptions): Promise<{ notices: string[]; dropLater?: string }> {
  const notices: string[] = [];
  const previous = `${PREVIOUS_PREFIX}${randomBytes(6).toString('hex')}`;
  // Until the drop below: a kill between the swap's commit and the drop leaves it to the next reset.
  if (!(await takeNameLock(client, previous))) throw new Error(`the name ${previous} is locked by another session`);
  let allowed = options.yes ?? false;
  let refusedSettings: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const sessions = await sessionsOn(client, target);
    if (sessions.length > 0) {
      const listed = sessions.slice(0, 20).map((s) => `  ${s.text}`).join('\n');
      if (!allowed && options.confirm) {
        const answer = (await options.confirm(`${sessions.length} session(s) are connected to ${target}; the swap ends them:\n${listed}\nType the database name to end them and swap: `)).trim();
        if (answer !== target) throw new SafetyError(`Not confirmed (typed "${answer}", not "${target}")`, { hint: 'Nothing was changed.' });
        allowed = true;
      }
      if (!allowed) {
        throw new SafetyError(`Refusing to swap the new database in: ${sessions.length} session(s) are connected to ${target}:\n${listed}`, {
          hint: 'Stop them (your application, psql, a GUI), or pass --yes to end them, or run reset in a terminal to confirm. Nothing was changed.',
        });
      }
      await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [target]);
      if (attempt === 0) notices.push(`--yes: ended ${sessions.length} session(s) connected to ${target} to swap the new database in:\n${listed}`);
    }
    try {
      await client.query('BEGIN');
      // The renames wait for no lock longer than the bound (--lock-wait).
      await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${options.lockWaitMs ?? 30_000}ms`]);
      const info = (await client.query(
        `SELECT pg_get_userbyid(datdba) AS owner, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [target],
      )).rows[0] as { owner: string; comment: string | null };
      await client.query(`ALTER DATABASE ${quoteIdentifier(target)} RENAME TO ${quoteIdentifier(previous)}`);
      await client.query(`COMMENT ON DATABASE ${quoteIdentifier(previous)} IS ${markerFor(target)}`);
      await client.query(`ALTER DATABASE ${quoteIdentifier(scratch)} RENAME TO ${quoteIdentifier(target)}`);
      await client.query(`COMMENT ON DATABASE ${quoteIdentifier(target)} IS ${info.comment === null ? 'NULL' : pg.escapeLiteral(info.comment)}`);
      await client.query(`ALTER DATABASE ${quoteIdentifier(target)} OWNER TO ${quoteIdentifier(info.owner)}`);
      // The settings adopted before validation, exactly as the previous database has them now.
      refusedSettings = await adoptTargetSettings(client, previous, target, { inTransaction: true });
      await client.query('COMMIT');
      break;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      // 55006: a session connected between the look and the rename: look again (a few times).
      if ((err as { code?: string }).code !== '55006' || attempt >= 5) throw err;
    }
  }
  if (refusedSettings.length > 0) {
    notices.push(`Role settings of ${target} that the connecting role may not set (it needs CREATEROLE, or superuser for a superuser's) were not carried over to the new database, nor seen by its validation; run as a superuser:\n${refusedSettings.map((sql) => `  ${sql};`).join('\n')}`);
  }
  if (options.dropPrevious === 'later') return { notices, dropLater: previous };
  try {
    await client.query(`DROP DATABASE ${quoteIdentifier(previous)} WITH (FORCE)`);
  } catch (err) {
    notices.push(`The previous database, renamed ${previous}, could not be dropped (${(err as Error).message}); the next reset drops it, or DROP DATABASE ${previous}.`);
  }
  return { notices };
}

/**
 * Drops a previous database that a reset swapped away and left to its caller (`dropPrevious:
 * 'later'`), as the reset itself would have: once the resetting session has ended (it holds the
 * name's lock until then; waited for up to `waitMs`), holding that lock meanwhile, and only a
 * database still marked by reset. Resolves to false when it dropped nothing: the database is
 * gone (another reset pruned it), not reset's, or its lock stayed held; a leftover is dropped
 * by the next reset.
 *
 * @example
 * if (outcome.previous) await dropPreviousDatabase(outcome.previous.server, outcome.previous.database);
 */
export async function dropPreviousDatabase(server: DatabaseTarget, name: string, options: { waitMs?: number } = {}): Promise<boolean> {
  if (!name.startsWith(PREVIOUS_PREFIX)) return false;
  return withServer(server, async (client) => {
    const deadline = Date.now() + (options.waitMs ?? 60_000);
    while (!(await takeNameLock(client, name))) {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const row = (await client.query(`SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1`, [name])).rows[0] as { comment: string | null } | undefined;
    if (!row?.comment?.startsWith(MARKER)) return false;
    await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
    return true;
  });
}
