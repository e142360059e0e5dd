import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { DatabaseTarget, parseDatabaseUrl, passwordsIn, ProjectConfig, readProjectConfig, redactSecrets, redactUrl, resolveProjectConfig } from '../config';
import { assertSubjectToRls, createKnex, firstMember, isTenantId, quoteIdentifier, readSchemaSnapshot, toDatabaseError, withTenant } from '../db';
import type { WithTenantOptions } from '../db';
import { makeRow, MakeOptions } from './make-row';
import { TenantseedError, UsageError } from '../errors';
import { isUserTable, loadDefinitions, loadProfile } from '../definitions';
import { buildPlan, datasetKey, NamedRow, Plan } from '../generate';
import { hashDatasetState, resetDatabase } from '../workflows';
import { TEST_SERVER_URL_VARIABLE } from './jest-global-setup';
import { runOnServer, withDatabaseName } from './scratch-database';
import { FAILED_FLAG } from './failure-flag';
import {
  claimPooled, cloneTemplate, markDatabase, markedDatabases, newDatabaseName, POOL_PREFIX, poolSize, pruneTestDatabases, TEMPLATE_PREFIX, TEST_PREFIX, withServerClient,
} from './database-pool';
import { connectOwner, socketOf, takeOwnerLock } from './owner-lock';
import { startTestServer, TestServer } from './test-server';

/** Options of {@link createTestDatabase}. */
export interface CreateTestDatabaseOptions {
  /**
   * The project: a tenantseed.config.json path or a resolved config. Default: the config the
   * CLI would find from the working folder (TENANTSEED_CONFIG, else the nearest
   * tenantseed.config.json), else the shipped schema.
   */
  config?: string | ProjectConfig;
  /** The environment profile to seed. Default "test". */
  env?: string;
  seed?: number;
  /** Other definitions or profiles than the project's. */
  definitions?: string;
  environments?: string;
  /**
   * Clones made ahead of time per template and server, handed out at once; the pool refills in
   * the background. Default 4 (TENANTSEED_TEST_POOL_SIZE); 0 clones on demand.
   */
  poolSize?: number;
  /**
   * Keep the database of a test file in which a test failed, and print its URL (needs the
   * `tenantseed/jest-environment` test environment, which records failures).
   */
  keepOnFailure?: boolean;
  /**
   * Templates and pooled clones of other keys older than this are dropped when a process first
   * uses a template. Default 10 minutes (TENANTSEED_TEST_PRUNE_AFTER_MS).
   */
  pruneAfterMs?: number;
  /**
   * For a project without "migrations" (its schema is migrated by Prisma, Alembic, psql, ...):
   * the database on the test server that holds the migrated schema, by name or URL. Templates
   * are copies of it (`CREATE DATABASE ... TEMPLATE`), emptied and seeded in place; a change of
   * its schema makes a new template. Default: TENANTSEED_SCHEMA_FROM.
   */
  schemaFrom?: string;
}

/** A named tenant, as the fixtures return it. */
export interface TenantFixture {
  /** A UUID or cuid (string), or an integer id, as the tenant table's id column is. */
  readonly id: string | number;
  readonly [column: string]: unknown;
}

/** A named user, as the fixtures return it (never its plaintext password). */
export interface UserFixture {
  readonly id: string | number;
  readonly tenantId: string | number;
  readonly [column: string]: unknown;
}

/** Row types by table name, as `tenantseed types` writes them (`Tables`); untyped by default. */
export type TableRows = { [table: string]: object };

/** The table names of a `Tables` map (without its `$fixtures` member, which is not a table). */
export type TableName<T extends object> = Exclude<keyof T, '$fixtures'> & string;

/**
 * What fixtures.tenant or fixtures.user returns: untyped (any column, `unknown`), or, with the
 * `$fixtures` member `tenantseed types` writes into `Tables`, that table's row type and no other column.
 */
type FixtureRow<T extends object, Kind extends 'tenant' | 'user', Untyped, Always> = T extends { readonly $fixtures?: infer F }
  ? F extends { [K in Kind]: infer Row } ? Readonly<Row> & Always : Untyped
  : Untyped;

/** A named row whose values have the table's row type. */
export type TypedNamedRow<Row> = Omit<NamedRow, 'values'> & { readonly values: Readonly<Row> };

/**
 * The named rows of the seeded dataset, looked up by name, synchronously. Typed by the row
 * types `tenantseed types` writes: `createTestDatabase<Tables>()`.
 */
export interface Fixtures<T extends object = TableRows> {
  /** A named tenant by its natural key (slug); throws, listing the known ones, when unknown. */
  tenant(name: string): FixtureRow<T, 'tenant', TenantFixture, { readonly id: string | number }>;
  /** A named user by email; throws, listing the known ones, when unknown. */
  user(email: string): FixtureRow<T, 'user', UserFixture, { readonly id: string | number; readonly tenantId: string | number }>;
  /** Any named row: the table and its natural key's value (`tenantId` is null for a row without a tenant). */
  row<K extends TableName<T>>(table: K, name: string): TypedNamedRow<T[K]>;
  /**
   * A named row with no tenant on purpose (the profile's `withoutTenant`, such as a platform
   * admin in users), by its natural key; throws, listing the known ones, when unknown.
   *
   * @example
   * const root = db.fixtures.withoutTenant('users', 'root@platform.test'); // root.id, root.tenantId === null
   */
  withoutTenant<K extends TableName<T>>(table: K, name: string): TypedNamedRow<T[K]>;
}

/** What {@link createTestDatabase} hands a test. */
export interface TestDatabase<T extends object = TableRows> {
  readonly url: string;
  /** Connected as the loader's role (it may create tables and bypasses RLS: use withTenant to act as the app). */
  readonly knex: Knex;
  readonly fixtures: Fixtures<T>;
  /** The project it was built from (its tenancy names, schemas). */
  readonly project: ProjectConfig;
  /**
   * `withTenant` with the project's application role and tenant setting (and, where
   * `tenancy.membership` declares a membership rule, a member of the tenant signed in first:
   * `options.user`, else its first member).
   */
  withTenant<R>(tenantId: string | number, fn: (trx: Knex.Transaction) => Promise<R>, options?: WithTenantOptions): Promise<R>;
  /**
   * A connection pool that acts as the project's application role, with the tenant set for
   * the session (its tenant: an id or a fixture name; without one, no tenant is set): for
   * tests of row-level security that use a Knex as the application would. Refuses
   * (SafetyError) when the application role is a superuser or has BYPASSRLS. With
   * `tenancy.setContext`, that call sets the tenant on each connection. Closed by destroy().
   *
   * @example
   * const app = await db.asApp('acme');
   * expect(await app('documents').whereNot('tenant_id', acme.id)).toEqual([]);
   */
  asApp(tenant?: string | number): Promise<Knex>;
  /**
   * Inserts a row of `table` drawn from its definition (a new id, new values in unique
   * columns, references to rows of the same tenant), `overrides` on top, in the tenant of
   * `options.tenant` (id or fixture name), as the loader or, with `asApp`, as the application
   * role. Resolves to the row as inserted.
   *
   * @example
   * const doc = await db.make('documents', { title: 'Draft' }, { tenant: 'acme', asApp: true });
   */
  make<K extends TableName<T>>(table: K, overrides?: Partial<T[K]>, options?: MakeOptions): Promise<T[K]>;
  /**
   * Closes the connections and drops the database in the background (the call returns at
   * once); with `keepOnFailure`, keeps it when a test of the file failed.
   */
  destroy(): Promise<void>;
}

const LAZY_SERVER = Symbol.for('tenantseed.lazyTestServer');
const TEMPLATE_LOCK = 0x74706c; // 'tpl'

/** The server: the one a jest globalSetup started, or one started lazily (once per process). */
async function testServerTarget(): Promise<DatabaseTarget> {
  const url = process.env[TEST_SERVER_URL_VARIABLE];
  if (url) return parseDatabaseUrl(url, TEST_SERVER_URL_VARIABLE);
  const holder = globalThis as Record<symbol, Promise<TestServer> | undefined>;
  // A lazily started embedded server is a daemon of its own (pg_ctl), so it never keeps this
  // process alive; it keeps running for the next test run.
  holder[LAZY_SERVER] ??= startTestServer();
  return (await holder[LAZY_SERVER]!).target;
}

/**
 * The template's name: a digest of the contents of the migrations, of the dataset key
 * (definitions, profile, seed and generator version) and of the schemas and tenancy names.
 * Editing any of them gives another template.
 */
function templateName(plan: Plan, project: ProjectConfig, schemaDigest?: string): string {
  const hash = createHash('sha256');
  // The same inputs as reset's seeded-state cache (reset-cache.ts).
  hashDatasetState(hash, project, plan, { schema: schemaDigest });
  return `${TEMPLATE_PREFIX}${hash.digest('hex').slice(0, 20)}`;
}

/**
 * Makes the template database once per (migrations, definitions, profile, seed): builds it
 * under a temporary name, then renames it, so that a template exists only complete. Many jest
 * workers may call this at once: an advisory lock on the server's maintenance database lets
 * one build while the others wait, then find it.
 */
async function ensureTemplate(server: DatabaseTarget, plan: Plan, project: ProjectConfig, schemaSource?: SchemaSource): Promise<string> {
  const name = templateName(plan, project, schemaSource?.digest);
  const exists = async (client: pg.Client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  const marked = async (client: pg.Client) => (await markedDatabases(client)).some((d) => d.name === name);
  if (await withServerClient(server, async (client) => (await exists(client)) && (await marked(client)))) return name;
  await withServerClient(server, async (client) => {
    await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [TEMPLATE_LOCK, name]);
    try {
      if (await exists(client)) {
        // Built by a version that did not mark its templates yet: it is complete (it has its
        // final name), so mark it and close it to connections.
        if (!(await marked(client))) {
          await client.query(`ALTER DATABASE ${quoteIdentifier(name)} WITH ALLOW_CONNECTIONS false`);
          await markDatabase(client, name, { kind: 'template', key: name.slice(TEMPLATE_PREFIX.length) });
        }
        return;
      }
      const building = `${name}_build_${randomBytes(3).toString('hex')}`;
      if (schemaSource) await copySchemaSource(client, schemaSource.database, building);
      else await client.query(`CREATE DATABASE ${quoteIdentifier(building)}`);
      // Marked as a test database that this session owns: a build killed half-way is pruned by
      // the next run.
      await takeOwnerLock(client, building);
      await markDatabase(client, building, { kind: 'test', key: name.slice(TEMPLATE_PREFIX.length) });
      const knex = createKnex(withDatabaseName(server, building), { applicationName: 'tenantseed template', searchPath: project.schemas });
      try {
        await resetDatabase({ knex, plan, project, yes: true });
      } catch (err) {
        await knex.destroy();
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(building)} WITH (FORCE)`);
        throw err;
      }
      // CREATE DATABASE ... TEMPLATE fails while any session is connected to the template,
      // even an idle pooled one: close the pool before it can be cloned.
      await knex.destroy();
      await client.query(`ALTER DATABASE ${quoteIdentifier(building)} RENAME TO ${quoteIdentifier(name)}`);
      // A template nobody can connect to can always be cloned at once.
      await client.query(`ALTER DATABASE ${quoteIdentifier(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`);
      await markDatabase(client, name, { kind: 'template', key: name.slice(TEMPLATE_PREFIX.length) });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [TEMPLATE_LOCK, name]);
    }
  });
  return name;
}

/**
 * Template clones are impossible on Citus: `CREATE DATABASE ... TEMPLATE` fails on a node whose
 * maintenance daemon stays connected to every database, and each new database would need the
 * extension on every node and its workers registered again. Refuse at once, saying what to do.
 */
async function refuseCitus(server: DatabaseTarget): Promise<void> {
  const citus = await withServerClient(server, async (client) =>
    ((await client.query(`SELECT current_setting('shared_preload_libraries') AS libs`)).rows[0].libs as string).split(',').some((l) => l.trim() === 'citus'));
  if (citus) {
    throw new UsageError(`The test server ${redactSecrets(server.url, passwordsIn(server.url))} runs Citus: createTestDatabase cannot clone databases there (CREATE DATABASE ... TEMPLATE fails on Citus nodes)`, {
      hint: 'Run the tests that use createTestDatabase on plain PostgreSQL (TEST_DATABASE_URL, or the embedded server), and test Citus itself against the cluster database with the CLI (docs/scale-out.md: "Tests").',
    });
  }
}

/** The database that holds the schema of a project without migrations, and a digest of that schema. */
interface SchemaSource {
  readonly database: string;
  readonly digest: string;
}

/**
 * Resolves `schemaFrom` (a database name or a URL on the test server) for a project whose
 * schema another tool migrates, and digests its schema (tables, columns, keys, checks,
 * policies, grants: not its rows), so that a migration by that tool makes a new template.
 */
async function resolveSchemaSource(server: DatabaseTarget, project: ProjectConfig, schemaFrom: string | undefined): Promise<SchemaSource | undefined> {
  if (project.migrations) return undefined;
  if (!schemaFrom) {
    throw new UsageError(`${project.file ?? 'The project'} names no "migrations", so createTestDatabase cannot build the schema itself`, {
      hint: 'Migrate a database on the test server with your own tool (prisma migrate deploy, alembic upgrade head, psql -f schema.sql) and name it: createTestDatabase({ schemaFrom: "app_schema" }) or TENANTSEED_SCHEMA_FROM=app_schema.',
    });
  }
  let database = schemaFrom;
  if (/^postgres(ql)?:\/\//.test(schemaFrom)) {
    const source = parseDatabaseUrl(schemaFrom, 'schemaFrom');
    const a = new URL(source.url);
    const b = new URL(server.url);
    if (a.hostname !== b.hostname || (a.port || '5432') !== (b.port || '5432')) {
      throw new UsageError(`schemaFrom names a database on ${a.hostname}:${a.port || '5432'}, but the test server is ${b.hostname}:${b.port || '5432'}`, {
        hint: 'Templates are copies made by the server itself: migrate the schema into a database of the test server (TEST_DATABASE_URL).',
      });
    }
    database = decodeURIComponent(a.pathname.slice(1));
  }
  const knex = createKnex(withDatabaseName(server, database), { applicationName: 'tenantseed schema digest', searchPath: project.schemas });
  try {
    const snapshots = [];
    for (const schema of project.schemas) snapshots.push(await readSchemaSnapshot(knex, schema));
    const digest = createHash('sha256').update(JSON.stringify(snapshots, (key, value) => (key === 'rows' ? undefined : value))).digest('hex');
    return { database, digest };
  } catch (err) {
    throw new UsageError(`schemaFrom: cannot read the schema of the database ${database}: ${(err as Error).message}`, {
      hint: 'Name a database of the test server that your migration tool has migrated.',
    });
  } finally {
    await knex.destroy();
  }
}

/**
 * Copies the schema source into the template being built. Unlike a template of ours, the
 * source is the team's database: its sessions are never ended; a copy that finds it in use is
 * retried for a few seconds, then fails saying so.
 */
async function copySchemaSource(client: pg.Client, source: string, building: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`CREATE DATABASE ${quoteIdentifier(building)} TEMPLATE ${quoteIdentifier(source)}`);
      return;
    } catch (err) {
      if ((err as { code?: string }).code !== '55006' || attempt >= 20) {
        throw new TenantseedError(`Cannot copy the schema source database ${source}: ${(err as Error).message}`, {
          hint: 'PostgreSQL copies a database only while nobody is connected to it: keep a database just for the migrated schema (no application connected) and name it in schemaFrom.',
          cause: err,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function makeFixtures(plan: Plan): Fixtures {
  const named = plan.namedRows();
  const root = plan.definitions.tenantRoot;
  const emailTables = new Set(plan.definitions.tables.filter(isUserTable).map((t) => t.table));
  const secretFields = new Set(plan.definitions.tables.flatMap((t) => t.columns.flatMap((c) => (c.plaintextField ? [c.plaintextField] : []))));
  const clean = (values: Readonly<Record<string, unknown>>) => Object.fromEntries(Object.entries(values).filter(([k]) => !secretFields.has(k)));
  const unknown = (kind: string, name: string, known: string[]) =>
    new Error(`No ${kind} named "${name}" in the ${plan.profile.name} dataset. Known: ${known.join(', ') || '(none)'}`);
  return {
    tenant(name) {
      const row = named.find((r) => r.table === root?.table && r.name === name);
      if (!row) throw unknown('tenant', name, named.filter((r) => r.table === root?.table).map((r) => r.name));
      return { ...clean(row.values), id: row.id };
    },
    user(email) {
      const rows = named.filter((r) => emailTables.has(r.table) && r.name === email && !r.withoutTenant);
      if (rows.length === 0 && named.some((r) => emailTables.has(r.table) && r.name === email)) {
        throw new Error(`"${email}" names a user without a tenant: use fixtures.withoutTenant('${named.find((r) => r.name === email)!.table}', '${email}')`);
      }
      if (rows.length !== 1) {
        if (rows.length > 1) throw new Error(`"${email}" names a user in several tenants (${rows.map((r) => r.tenant).join(', ')}): use fixtures.row with the tenant in mind`);
        throw unknown('user', email, named.filter((r) => emailTables.has(r.table)).map((r) => r.name));
      }
      return { ...clean(rows[0].values), id: rows[0].id, tenantId: rows[0].tenantId! };
    },
    row(table, name) {
      const row = named.find((r) => r.table === table && r.name === name);
      if (!row) throw unknown(`${table} row`, name, named.filter((r) => r.table === table).map((r) => r.name));
      return { ...row, values: clean(row.values) };
    },
    withoutTenant(table, name) {
      const row = named.find((r) => r.table === table && r.name === name && r.withoutTenant);
      if (!row) throw unknown(`${table} row without a tenant`, name, named.filter((r) => r.table === table && r.withoutTenant).map((r) => r.name));
      return { ...row, values: clean(row.values) };
    },
  };
}

interface PreparedPlan {
  plan: Plan;
  project: ProjectConfig;
  fixtures: Fixtures;
  /** The template's name per server, once ensured in this process. */
  template: Map<string, string>;
}

const PREPARED = Symbol.for('tenantseed.preparedPlans');

/**
 * Loading definitions and building a plan (Faker pools included) costs more than cloning the
 * database: do it once per process for the same options.
 */
function preparedPlan(options: CreateTestDatabaseOptions): PreparedPlan {
  const base = typeof options.config === 'object'
    ? options.config
    : typeof options.config === 'string' ? readProjectConfig(path.resolve(options.config)) : resolveProjectConfig();
  const project: ProjectConfig = Object.freeze({
    ...base,
    definitions: path.resolve(options.definitions ?? base.definitions),
    environments: path.resolve(options.environments ?? base.environments),
  });
  const env = options.env ?? 'test';
  const key = JSON.stringify([project, env, options.seed ?? null]);
  const holder = globalThis as Record<symbol, Map<string, PreparedPlan> | undefined>;
  const cache = (holder[PREPARED] ??= new Map());
  let prepared = cache.get(key);
  if (!prepared) {
    const plan = buildPlan({ definitions: loadDefinitions(project.definitions), profile: loadProfile(project.environments, env), seed: options.seed });
    prepared = { plan, project, fixtures: makeFixtures(plan), template: new Map() };
    cache.set(key, prepared);
  }
  return prepared;
}

/**
 * A fresh database for a test, cloned from a template that was migrated and seeded once for
 * these migrations, definitions, profile and seed (and reused while they do not change, also
 * across jest runs). Uses the server of the jest globalSetup, or starts one lazily
 * (TEST_DATABASE_URL, else a container runtime, else the embedded server).
 *
 * @example
 * const db = await createTestDatabase();
 * const acme = db.fixtures.tenant('acme');
 * const docs = await withTenant(db.knex, acme.id, (trx) => trx('documents').select('*'));
 * await db.destroy();
 */
export async function createTestDatabase<T extends object = TableRows>(options: CreateTestDatabaseOptions = {}): Promise<TestDatabase<T>> {
  const { plan, project, template: known, fixtures } = preparedPlan(options);
  const server = await testServerTarget();
  let template = known.get(server.url);
  if (!template) {
    await refuseCitus(server);
    template = await ensureTemplate(server, plan, project, await resolveSchemaSource(server, project, options.schemaFrom ?? process.env.TENANTSEED_SCHEMA_FROM));
    known.set(server.url, template);
    // Once per process and template: what earlier runs left behind goes.
    const olderThanMs = options.pruneAfterMs ?? (process.env.TENANTSEED_TEST_PRUNE_AFTER_MS ? Number(process.env.TENANTSEED_TEST_PRUNE_AFTER_MS) : undefined);
    await pruneTestDatabases(server, { keepKey: keyOf(template), olderThanMs }).catch(() => []);
  }
  const key = keyOf(template);
  const poolWanted = options.poolSize ?? Number(process.env.TENANTSEED_TEST_POOL_SIZE ?? DEFAULT_POOL_SIZE);
  const name = newDatabaseName(TEST_PREFIX);
  // The owner: its session holds the database's owner lock until destroy() (or the process
  // ends), so that no prune drops the database while this file uses it.
  const owner = await connectOwner(server.url).catch((err: unknown) => {
    throw toDatabaseError(err, server);
  });
  try {
    const pooled = poolWanted > 0 && (await claimPooled(owner, key, name));
    if (!pooled) {
      await cloneTemplate(owner, template, name);
      await takeOwnerLock(owner, name);
      await markDatabase(owner, name, { kind: 'test', key });
    }
  } catch (err) {
    await owner.end().catch(() => undefined);
    throw toDatabaseError(err, server);
  }
  // Idle from here to destroy(): it must not keep the process alive.
  socketOf(owner).unref();
  if (poolWanted > 0) refillPool(server, template, key, poolWanted);
  const target = withDatabaseName(server, name);
  const knex = createKnex(target, { applicationName: 'tenantseed test', searchPath: project.schemas });
  let destroyed: Promise<void> | undefined;
  const appPools: Knex[] = [];
  const tenantId = (slug: string) => fixtures.tenant(slug).id;
  return {
    url: target.url,
    knex,
    fixtures: fixtures as Fixtures<T>,
    project,
    withTenant: (tenantId, fn, options) => withTenant(knex, tenantId, fn, project.tenancy, options),
    async asApp(tenant) {
      const id = tenant === undefined ? undefined : isTenantId(tenant) ? tenant : tenantId(String(tenant));
      const app = createAppKnex(target, project, id);
      appPools.push(app);
      // Connect now, so that a refusal (a superuser or BYPASSRLS application role) shows here.
      await app.raw('SELECT 1');
      return app;
    },
    make: (table, overrides, makeOptions) =>
      makeRow({ plan, knex, project, tenantId }, table, overrides as Record<string, unknown>, makeOptions) as Promise<never>,
    destroy() {
      destroyed ??= (async () => {
        await Promise.all(appPools.map((app) => app.destroy()));
        await knex.destroy();
        // A pool refill still cloning would keep the process (a jest worker) alive after the
        // last file; one cut short could leave a clone it had not marked yet. Let it finish.
        await settleRefills();
        if (options.keepOnFailure && (globalThis as Record<string, unknown>)[FAILED_FLAG]) {
          await markDatabase(owner, name, { kind: 'kept', key }).finally(() => owner.end().catch(() => undefined));
          process.stderr.write(`\ntenantseed: a test failed; its database is kept for inspection: ${redactSecrets(target.url, passwordsIn(target.url))}\n`);
          return;
        }
        // The drop runs on: destroy() returns without waiting for it (the owner's socket is
        // unref'd). A drop cut short by the process ending leaves a marked database whose owner
        // lock went with the process: the next run prunes it.
        pendingDrops.add(dropDatabase(owner, name));
      })();
      return destroyed;
    },
  };
}

/**
 * A Knex whose connections act as the application role for their whole session (SET ROLE, not
 * SET LOCAL: a test's queries need no transaction), with the tenant set when one is given.
 */
function createAppKnex(target: DatabaseTarget, project: ProjectConfig, tenantId: string | number | undefined): Knex {
  const { tenancy } = project;
  return createKnex(target, {
    applicationName: 'tenantseed test app',
    searchPath: project.schemas,
    onConnect: async (client) => {
      // A member signed in first where the context function checks membership (read as the loader).
      const member = tenantId !== undefined && tenancy.setContext && tenancy.membership ? await firstMember(client, tenancy.membership, tenantId) : undefined;
      await client.query(`SET ROLE ${quoteIdentifier(tenancy.appRole)}`);
      await assertSubjectToRls(client, tenancy.appRole);
      if (tenantId === undefined) return;
      const value = String(tenantId);
      if (member !== undefined) await client.query('SELECT set_config($1, $2, false)', [tenancy.membership!.setting, member]);
      if (tenancy.setContext) await client.query(tenancy.setContext, [value]);
      else await client.query('SELECT set_config($1, $2, false)', [tenancy.setting, value]);
    },
  });
}

const DEFAULT_POOL_SIZE = 4;
const pendingDrops = new Set<Promise<void>>();
const refilling = new Set<string>();
const refillAgain = new Set<string>();
const refillRuns = new Map<string, Promise<void>>();

function keyOf(template: string): string {
  return template.slice(TEMPLATE_PREFIX.length);
}

function dropDatabase(owner: pg.Client, name: string): Promise<void> {
  const drop: Promise<void> = owner.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`)
    .then(() => undefined, () => undefined)
    .then(() => owner.end().catch(() => undefined))
    .finally(() => pendingDrops.delete(drop));
  return drop;
}

/** Waits for the drops and pool refills that run in the background (for tests and tidy exits). */
export async function settleTestDatabases(): Promise<void> {
  while (pendingDrops.size > 0 || refilling.size > 0) {
    await Promise.all([...pendingDrops]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits for this process's pool refills (not the drops, which may be cut short). */
async function settleRefills(): Promise<void> {
  while (refilling.size > 0) await Promise.all([...refillRuns.values()]);
}

const POOL_LOCK = 0x706f6f6c; // 'pool'

/**
 * Tops the pool of a template up to `size` clones, in the background, one process at a time
 * per template (an advisory try-lock: a busy lock means another worker is at it).
 */
function refillPool(server: DatabaseTarget, template: string, key: string, size: number): void {
  const id = `${server.url}\0${key}`;
  if (refilling.has(id)) {
    // Handouts that claim while a refill runs ask it to look again when it is done.
    refillAgain.add(id);
    return;
  }
  refilling.add(id);
  const run = withServerClient(server, async (client) => {
    const locked = (await client.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [POOL_LOCK, key])).rows[0].ok;
    if (!locked) return;
    try {
      // Counted before each clone: handouts claim clones while the pool refills.
      while ((await poolSize(client, key)) < size) {
        const name = newDatabaseName(POOL_PREFIX, key);
        await cloneTemplate(client, template, name);
        await markDatabase(client, name, { kind: 'pool', key });
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [POOL_LOCK, key]);
    }
  }).catch(() => undefined).finally(() => {
    refilling.delete(id);
    refillRuns.delete(id);
    if (refillAgain.delete(id)) refillPool(server, template, key, size);
  });
  refillRuns.set(id, run);
}
