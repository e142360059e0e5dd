import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { ProjectConfig } from '../config';
import { cloneDatabase, namesInUse, quoteIdentifier, ServerClient, takeNameLock } from '../db';
import { datasetKey, Plan } from '../generate';

/** The prefix of migrated-schema caches: templates of a project's migrated (and legacy-absorbed) state. */
export const CACHE_PREFIX = 'tenantseed_cache_';
const MARKER = 'tenantseed-cache ';
/** Caches under construction: cloned, marked, then renamed to their key's name. */
const BUILD_PREFIX = `${CACHE_PREFIX}build_`;
const BUILD_NAME = /^tenantseed_cache_build_[0-9a-f]{12}_[0-9a-f]{8}$/;
/** Raised when what a cache holds changes meaning (a cache of an older layout is then never used). */
const CACHE_LAYOUT = 2;

/** What a cache's marker (its database comment) says. */
export interface CacheMarker {
  readonly key: string;
  /** The migrations folder it was made from: a newer cache of the same folder replaces it. */
  readonly migrations: string;
  /** The fingerprint of the legacy rows it absorbed, for the manifest of a reset that clones it. */
  readonly legacyFingerprint?: string;
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

/**
 * The key of the migrated state a reset starts from: the migrations' contents, the schemas and
 * tenancy names, and, when the profile has legacy rows (absorbed by the migrations, so part of
 * the migrated state), the dataset key. Editing a migration gives another key.
 */
export function migratedSchemaKey(project: ProjectConfig & { migrations: string }, plan: Plan): string {
  const hash = createHash('sha256');
  hash.update(`layout ${CACHE_LAYOUT}\0`);
  hashFolder(hash, project.migrations);
  hash.update(JSON.stringify([project.schemas, project.tenancy]));
  if (plan.legacyTables.some((t) => t.rowCount() > 0)) hash.update(datasetKey(plan));
  return hash.digest('hex').slice(0, 24);
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

/** The cache of a key, if a complete one exists (marked and a template: made whole, then renamed). */
export async function findMigratedSchema(client: ServerClient, key: string): Promise<CacheMarker | undefined> {
  return (await markers(client)).find((m) => m.name === cacheName(key))?.marker;
}

/**
 * Clones the cache of a key into a new database `name` (CREATE DATABASE ... TEMPLATE). With
 * PostgreSQL 15's default strategy, WAL_LOG: the blocks of a migrated schema (27 MB for 422
 * tables and 1,376 indexes) go through the WAL, where FILE_COPY forces two checkpoints, which
 * flush every dirty buffer of the server and took 8-12 s against 1.4-3.7 s on the shared
 * machine (docs/performance.md).
 */
export async function cloneMigratedSchema(client: ServerClient, key: string, name: string): Promise<void> {
  await cloneDatabase(client, cacheName(key), name, { strategy: 'WAL_LOG' });
}

/**
 * Keeps a copy of `source` (a database in the migrated state of `key`, with no session on it)
 * as the cache of that key: cloned under a temporary name, marked, then renamed, so that a
 * cache exists only complete; a template nobody can connect to, so that it can always be
 * cloned. Older caches of the same migrations folder are dropped. A cache already made by
 * another run is kept as it is.
 */
export async function storeMigratedSchema(client: ServerClient, source: string, marker: Omit<CacheMarker, 'created'>): Promise<void> {
  const name = cacheName(marker.key);
  // A name no other run can hold, so nothing is dropped before the clone: a database of that name
  // made by someone else (another host's process with the same pid) is never ours to drop.
  const building = `${BUILD_PREFIX}${marker.key.slice(0, 12)}_${randomBytes(4).toString('hex')}`;
  // Held until this session ends: a build whose lock nobody holds was left by a killed run.
  if (!(await takeNameLock(client, building))) throw new Error(`the cache build name ${building} is locked by another session`);
  await pruneCacheBuilds(client);
  await cloneDatabase(client, source, building, { strategy: 'WAL_LOG' });
  const full: CacheMarker = { ...marker, created: new Date().toISOString() };
  await client.query(`COMMENT ON DATABASE ${quoteIdentifier(building)} IS ${pg.escapeLiteral(MARKER + JSON.stringify(full))}`);
  await client.query(`ALTER DATABASE ${quoteIdentifier(building)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
  try {
    await client.query(`ALTER DATABASE ${quoteIdentifier(building)} RENAME TO ${quoteIdentifier(name)}`);
  } catch (err) {
    // 42P04: another run stored this key first; its cache is as good as ours.
    await dropCache(client, building);
    if ((err as { code?: string }).code !== '42P04') throw err;
  }
  for (const old of await markers(client)) {
    if (old.name !== name && old.marker.migrations === marker.migrations) await dropCache(client, old.name).catch(() => undefined);
  }
}

async function dropCache(client: ServerClient, name: string): Promise<void> {
  await client.query(`ALTER DATABASE ${quoteIdentifier(name)} WITH IS_TEMPLATE false`);
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)}`);
}
