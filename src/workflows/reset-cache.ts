import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { packageRoot, ProjectConfig } from '../config';
import { cloneDatabase, namesInUse, quoteIdentifier, ServerClient, takeNameLock } from '../db';
import { datasetKey, Plan } from '../generate';

/**
 * The prefix of reset's caches: templates of a project's migrated (and legacy-absorbed) state,
 * and of its seeded state (migrated, absorbed, the dataset loaded and validated).
 */
export const CACHE_PREFIX = 'tenantseed_cache_';
const MARKER = 'tenantseed-cache ';
/** Caches under construction: cloned, marked, then renamed to their key's name. */
const BUILD_PREFIX = `${CACHE_PREFIX}build_`;
const BUILD_NAME = /^tenantseed_cache_build_[0-9a-f]{12}_[0-9a-f]{8}$/;
/** Raised when what a cache holds changes meaning (a cache of an older layout is then never used). */
const CACHE_LAYOUT = 2;
/**
 * Raised when what reset's loading writes changes (the bookkeeping tables, how keys, sequences
 * or rows are written) without a new generator version: a seeded state of an older layout is
 * then never cloned.
 */
const SEEDED_LAYOUT = 1;

/** What a cache's marker (its database comment) says. */
export interface CacheMarker {
  readonly key: string;
  /** The migrations folder it was made from: a newer cache of the same folder replaces it. */
  readonly migrations: string;
  /** The fingerprint of the legacy rows it absorbed, for the manifest of a reset that clones it. */
  readonly legacyFingerprint?: string;
  /**
   * `seeded`: the dataset of `environment` is loaded too (made from the migrated state of
   * `migratedKey`). Absent: a migrated-schema cache.
   */
  readonly kind?: 'seeded';
  readonly environment?: string;
  readonly migratedKey?: string;
  readonly created: string;
}

/**
 * Every file of a folder (names and contents, sorted, recursively) into a hash: what a
 * migrations folder is, for the testing API's template key and reset's cache key alike.
 */
export function hashFolder(hash: ReturnType<typeof createHash>, directory: string, prefix = ''): void {
  for (const entry of fs.readdirSync(directory, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(directory, entry.name);
    if (entry.isDirectory()) hashFolder(hash, full, `${prefix}${entry.name}/`);
    else if (entry.isFile()) hash.update(`${prefix}${entry.name}\0`).update(fs.readFileSync(full)).update('\0');
  }
}

/** The digest of a folder's files ({@link hashFolder}). */
export function folderDigest(directory: string): string {
  const hash = createHash('sha256');
  hashFolder(hash, directory);
  return hash.digest('hex');
}

/**
 * The key of the migrated state a reset starts from: the migrations' contents, the schemas and
 * tenancy names, and, when the profile has legacy rows (absorbed by the migrations, so part of
 * the migrated state), the dataset key. Editing a migration gives another key.
 */
export function migratedSchemaKey(project: ProjectConfig & { migrations: string }, plan: Plan, migrationsDigest = folderDigest(project.migrations)): string {
  const hash = createHash('sha256');
  hash.update(`layout ${CACHE_LAYOUT}\0`);
  hash.update(migrationsDigest);
  hash.update(JSON.stringify([project.schemas, project.tenancy]));
  if (plan.legacyTables.some((t) => t.rowCount() > 0)) hash.update(datasetKey(plan));
  return hash.digest('hex').slice(0, 24);
}

/**
 * What a seeded database is made from, into a hash: the migrations' contents (or, for a schema
 * another tool migrates, a digest of that schema), the dataset key (generator version, data
 * sources, seed, tenant count, profile, definitions) and the schemas and tenancy names. The
 * testing API's templates and reset's seeded-state cache are keyed by it: equal inputs, the
 * same database.
 */
export function hashDatasetState(hash: ReturnType<typeof createHash>, project: ProjectConfig, plan: Plan, digests: { schema?: string; migrations?: string } = {}): void {
  if (project.migrations) hash.update(digests.migrations ?? folderDigest(project.migrations));
  if (digests.schema) hash.update(digests.schema);
  hash.update(datasetKey(plan));
  hash.update(JSON.stringify([project.schemas, project.tenancy]));
}

let tenantseedVersion: string | undefined;

/**
 * The key of the seeded state a reset can clone instead of loading: {@link hashDatasetState},
 * with tenantseed's version and the seeded layout (what the loader writes), and whether every
 * row was checked (`--strict`: a state loaded with sampled checks is not one whose rows were all
 * checked). Editing a migration, a definition or the profile, or another seed, tenant count or
 * generator version gives another key.
 */
export function seededStateKey(project: ProjectConfig & { migrations: string }, plan: Plan, options: { strict?: boolean; migrationsDigest?: string } = {}): string {
  tenantseedVersion ??= JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;
  const hash = createHash('sha256');
  hash.update(`seeded ${CACHE_LAYOUT}.${SEEDED_LAYOUT} tenantseed ${tenantseedVersion} strict ${options.strict === true}\0`);
  hashDatasetState(hash, project, plan, { migrations: options.migrationsDigest });
  return hash.digest('hex').slice(0, 24);
}

/** Both keys of a reset ({@link migratedSchemaKey}, {@link seededStateKey}), the migrations folder read once (1,000 files: about 0.1 s a read). */
export function resetCacheKeys(project: ProjectConfig & { migrations: string }, plan: Plan, options: { strict?: boolean } = {}): { migrated: string; seeded: string } {
  const migrationsDigest = folderDigest(project.migrations);
  return { migrated: migratedSchemaKey(project, plan, migrationsDigest), seeded: seededStateKey(project, plan, { ...options, migrationsDigest }) };
}

function cacheName(key: string): string {
  return `${CACHE_PREFIX}${key}`;
}

/** The databases named like caches whose comment is a marker this code wrote (`templates`: complete caches only). */
async function markers(client: ServerClient, options: { templates: boolean } = { templates: true }): Promise<Array<{ name: string; marker: CacheMarker }>> {
  const rows = (await client.query(
    `SELECT datname AS name, shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname LIKE $1 AND (datistemplate OR NOT $2)`,
    [`${CACHE_PREFIX.replace(/_/g, '\\_')}%`, options.templates],
  )).rows as Array<{ name: string; comment: string | null }>;
  const out: Array<{ name: string; marker: CacheMarker }> = [];
  for (const row of rows) {
    if (!row.comment?.startsWith(MARKER)) continue;
    try {
      const marker = JSON.parse(row.comment.slice(MARKER.length)) as CacheMarker;
      // Exactly what storeMigratedSchema writes, or the database is not ours to use or drop.
      if (typeof marker?.key === 'string' && typeof marker.migrations === 'string' && typeof marker.created === 'string') out.push({ name: row.name, marker });
    } catch {
      // Not a marker we wrote: leave that database alone.
    }
  }
  return out;
}

/**
 * Drops the caches under construction that a killed run left: named as a build, marked by this
 * code, and whose name lock no session holds (the building process holds it from before the
 * clone until its session ends). A build killed between the clone and its marker is left alone:
 * unmarked, it is not known to be ours.
 */
export async function pruneCacheBuilds(client: ServerClient): Promise<string[]> {
  const builds = (await markers(client, { templates: false })).filter((m) => BUILD_NAME.test(m.name));
  const live = await namesInUse(client, builds.map((b) => b.name));
  const dropped: string[] = [];
  for (const { name } of builds) {
    if (live.has(name)) continue;
    await dropCache(client, name).then(() => dropped.push(name), () => undefined);
  }
  return dropped;
}

/** The cache of a key (migrated or seeded), if a complete one exists (marked and a template: made whole, then renamed). */
export async function findCachedState(client: ServerClient, key: string): Promise<CacheMarker | undefined> {
  return (await markers(client)).find((m) => m.name === cacheName(key))?.marker;
}

/**
 * Clones the cache of a key (migrated or seeded) into a new database `name` (CREATE DATABASE ...
 * TEMPLATE). With PostgreSQL 15's default strategy, WAL_LOG: the blocks of a migrated schema (27 MB for 422
 * tables and 1,376 indexes) go through the WAL, where FILE_COPY forces two checkpoints, which
 * flush every dirty buffer of the server and took 8-12 s against 1.4-3.7 s on the shared
 * machine (docs/performance.md).
 */
export async function cloneCachedState(client: ServerClient, key: string, name: string): Promise<void> {
  await cloneDatabase(client, cacheName(key), name, { strategy: 'WAL_LOG' });
}

/**
 * Whether a new cache makes an older one of the same migrations folder useless: a migrated
 * state replaces every cache of the folder (its seeded states were made from other
 * migrations, or another dataset's legacy rows); a seeded state replaces the seeded state of
 * the same environment, and those made from another migrated state. So a project keeps at most
 * one migrated state and one seeded state per environment.
 */
function supersedes(stored: Omit<CacheMarker, 'created'>, old: CacheMarker): boolean {
  if (old.migrations !== stored.migrations) return false;
  if (stored.kind !== 'seeded') return true;
  return old.kind === 'seeded' && (old.environment === stored.environment || old.migratedKey !== stored.migratedKey);
}

/**
 * Keeps a copy of `source` (a database in the migrated or seeded state of `key`, with no session
 * on it) as the cache of that key: cloned under a temporary name, marked, then renamed, so that
 * a cache exists only complete; a template nobody can connect to, so that it can always be
 * cloned. The caches it supersedes ({@link supersedes}) are dropped. A cache already made by
 * another run is kept as it is, unless `replace` (a seeded state whose proof is renewed): then
 * the older one is renamed away and dropped once the new one holds the name.
 */
export async function storeCachedState(client: ServerClient, source: string, marker: Omit<CacheMarker, 'created'>, options: { replace?: boolean } = {}): Promise<void> {
  const name = cacheName(marker.key);
  // A name no other run can hold, so nothing is dropped before the clone: a database of that name
  // made by someone else (another host's process with the same pid) is never ours to drop.
  const building = `${BUILD_PREFIX}${marker.key.slice(0, 12)}_${randomBytes(4).toString('hex')}`;
  // Held until this session ends: a build whose lock nobody holds was left by a killed run.
  if (!(await takeNameLock(client, building))) throw new Error(`the cache build name ${building} is locked by another session`);
  await pruneCacheBuilds(client);
  await cloneDatabase(client, source, building, { strategy: 'WAL_LOG' });
  // A cache holds no database settings: each reset's copy takes its target's.
  await client.query(`ALTER DATABASE ${quoteIdentifier(building)} RESET ALL`);
  const full: CacheMarker = { ...marker, created: new Date().toISOString() };
  await client.query(`COMMENT ON DATABASE ${quoteIdentifier(building)} IS ${pg.escapeLiteral(MARKER + JSON.stringify(full))}`);
  await client.query(`ALTER DATABASE ${quoteIdentifier(building)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  // The older cache takes a build name this session holds: a kill before its drop leaves a build the next run prunes.
  const older = options.replace ? `${BUILD_PREFIX}${marker.key.slice(0, 12)}_${randomBytes(4).toString('hex')}` : undefined;
  const replaced = older !== undefined && (await takeNameLock(client, older))
    && (await client.query(`ALTER DATABASE ${quoteIdentifier(name)} RENAME TO ${quoteIdentifier(older)}`).then(() => true, () => false));
  try {
    await client.query(`ALTER DATABASE ${quoteIdentifier(building)} RENAME TO ${quoteIdentifier(name)}`);
  } catch (err) {
    // 42P04: another run stored this key first; its cache is as good as ours.
    await dropCache(client, building);
    if ((err as { code?: string }).code !== '42P04') throw err;
  }
  if (replaced) await dropCache(client, older).catch(() => undefined);
  for (const old of await markers(client)) {
    if (old.name !== name && supersedes(marker, old.marker)) await dropCache(client, old.name).catch(() => undefined);
  }
}

async function dropCache(client: ServerClient, name: string): Promise<void> {
  await client.query(`ALTER DATABASE ${quoteIdentifier(name)} WITH IS_TEMPLATE false`);
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
}
