/**
 * Writes a Knex project the way a team's Knex application has it: `.cjs` migrations
 * (`exports.up`, `exports.down`, `exports.config = { transaction: false }` where a step cannot
 * run in a transaction), tables created one per migration, columns added later, indexes built
 * with CREATE INDEX CONCURRENTLY outside a transaction, and reference rows inserted by
 * migrations; plus a tenantseed.config.json with definitions for the tenant root and every
 * tenant table (as introspect drafts them), and a development profile.
 *
 * Run it by hand to get a project of real size (about 1,000 migrations, 420 tables):
 *   npx jiti test/scale/make-knex-project.ts /tmp/big-project 1000 420
 */
import fs from 'node:fs';
import path from 'node:path';

/** Options of {@link writeKnexProject}. */
export interface KnexProjectOptions {
  /** Migrations in all (at least `tables` + 1). */
  migrations: number;
  /** Tenant tables besides the root `accounts` (each one migration). */
  tables: number;
  /** Every n-th later migration builds an index CONCURRENTLY (`transaction: false`). Default 5. */
  concurrentEvery?: number;
  /** Every n-th later migration inserts reference rows into `countries`. Default 7. */
  referenceEvery?: number;
  /** The application and admin roles (the cluster's, made by the first migration). Default item_app and item_admin. */
  roles?: { app: string; admin: string };
}

/** What {@link writeKnexProject} wrote. */
export interface KnexProject {
  readonly dir: string;
  readonly config: string;
  readonly migrations: string;
  /** Names of the migrations that run outside a transaction. */
  readonly nonTransactional: readonly string[];
  /** The tables the migrations create (besides the bookkeeping ones). */
  readonly tables: readonly string[];
}

function stamp(i: number): string {
  // 2021-01-01 00:00:00 plus i minutes, as Knex's `migrate:make` names files.
  const d = new Date(Date.UTC(2021, 0, 1) + i * 60_000);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

const tableName = (i: number) => `item_${String(i).padStart(4, '0')}`;

function createTableMigration(i: number, appRole: string): string {
  const name = tableName(i);
  const parent = i > 1 ? tableName(i - 1) : undefined;
  return `/** @param { import("knex").Knex } knex */
exports.up = async function (knex) {
  await knex.schema.createTable('${name}', (t) => {
    t.uuid('tenant').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.bigIncrements('id').primary();
    t.text('label').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());${parent ? `
    t.bigInteger('${parent}_id').references('id').inTable('${parent}');` : ''}
  });
  await knex.raw('ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY');
  await knex.raw(\`CREATE POLICY ${name}_tenant ON ${name} USING (tenant = nullif(current_setting('app.current_tenant_id', true), '')::uuid)\`);
  await knex.raw('GRANT SELECT, INSERT, UPDATE, DELETE ON ${name} TO ${appRole}');
};

exports.down = async function (knex) {
  await knex.schema.dropTable('${name}');
};
`;
}

function concurrentIndexMigration(table: string, n: number): string {
  const index = `${table}_tenant_created_${n}`;
  return `// CREATE INDEX CONCURRENTLY cannot run inside a transaction block.
exports.config = { transaction: false };

exports.up = async function (knex) {
  await knex.raw('CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index} ON ${table} (tenant, created_at)');
};

exports.down = async function (knex) {
  await knex.raw('DROP INDEX CONCURRENTLY IF EXISTS ${index}');
};
`;
}

function referenceRowsMigration(n: number): string {
  return `exports.up = async function (knex) {
  await knex('countries').insert([
    { code: 'R${n}A', name: 'Reference ${n} A' },
    { code: 'R${n}B', name: 'Reference ${n} B' },
  ]);
};

exports.down = async function (knex) {
  await knex('countries').whereIn('code', ['R${n}A', 'R${n}B']).del();
};
`;
}

function addColumnMigration(table: string, n: number): string {
  return `exports.up = async function (knex) {
  await knex.schema.alterTable('${table}', (t) => {
    t.text('note_${n}');
  });
};

exports.down = async function (knex) {
  await knex.schema.alterTable('${table}', (t) => {
    t.dropColumn('note_${n}');
  });
};
`;
}

const baseMigration = (roles: { app: string; admin: string }) => `exports.up = async function (knex) {
  // Roles are the cluster's: made once, kept by down (another database may use them).
  await knex.raw(\`DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${roles.app}') THEN CREATE ROLE ${roles.app} NOLOGIN; END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${roles.admin}') THEN CREATE ROLE ${roles.admin} NOLOGIN BYPASSRLS; END IF;
  END $$\`);
  await knex.schema.createTable('accounts', (t) => {
    t.uuid('id').primary();
    t.text('slug').notNullable().unique();
    t.text('name').notNullable();
  });
  await knex.schema.createTable('countries', (t) => {
    t.text('code').primary();
    t.text('name').notNullable();
  });
  await knex('countries').insert([{ code: 'FR', name: 'France' }, { code: 'NZ', name: 'New Zealand' }]);
};

exports.down = async function (knex) {
  await knex.schema.dropTable('countries');
  await knex.schema.dropTable('accounts');
};
`;

const ACCOUNTS_DEFINITION = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  'x-table': 'accounts',
  'x-tenant-root': true,
  'x-primary-key': ['id'],
  'x-natural-key': 'slug',
  type: 'object',
  required: ['id', 'slug', 'name'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    slug: { type: 'string', 'x-faker': 'lorem.slug' },
    name: { type: 'string', 'x-faker': 'company.name' },
  },
};

/** The definition of item table `i`: its tenant, a database-made id, a label, a time, and its parent in the chain. */
function itemDefinition(i: number): object {
  const parent = i > 1 ? tableName(i - 1) : undefined;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    'x-table': tableName(i),
    'x-tenant-column': 'tenant',
    'x-primary-key': ['id'],
    'x-count': { default: 2 },
    type: 'object',
    required: ['tenant', 'id', 'label', 'created_at'],
    properties: {
      tenant: { type: 'string', format: 'uuid' },
      id: { type: 'integer', minimum: 1 },
      label: { type: 'string', 'x-faker': 'lorem.word' },
      created_at: { type: 'string', format: 'date-time' },
      ...(parent ? { [`${parent}_id`]: { type: ['integer', 'null'], 'x-ref': `${parent}.id` } } : {}),
    },
    additionalProperties: false,
  };
}

/**
 * Writes the project into `dir` (created; an existing project there is replaced).
 *
 * @example
 * const project = writeKnexProject('/tmp/p', { migrations: 1000, tables: 420 });
 */
export function writeKnexProject(dir: string, options: KnexProjectOptions): KnexProject {
  const migrations = path.join(dir, 'db', 'migrations');
  fs.rmSync(dir, { recursive: true, force: true });
  for (const sub of [migrations, path.join(dir, 'db', 'definitions'), path.join(dir, 'db', 'environments')]) fs.mkdirSync(sub, { recursive: true });
  const concurrentEvery = options.concurrentEvery ?? 5;
  const referenceEvery = options.referenceEvery ?? 7;
  const nonTransactional: string[] = [];
  const tables = ['accounts', 'countries'];
  const write = (i: number, slug: string, text: string) => {
    const name = `${stamp(i)}_${slug}`;
    fs.writeFileSync(path.join(migrations, `${name}.cjs`), text);
    return name;
  };
  const roles = options.roles ?? { app: 'item_app', admin: 'item_admin' };
  write(0, 'create_accounts_and_countries', baseMigration(roles));
  for (let i = 1; i <= options.tables; i++) {
    write(i, `create_${tableName(i)}`, createTableMigration(i, roles.app));
    tables.push(tableName(i));
  }
  for (let i = options.tables + 1, n = 1; i < options.migrations; i++, n++) {
    const table = tableName(1 + (n % Math.max(1, options.tables)));
    if (options.tables > 0 && n % concurrentEvery === 0) nonTransactional.push(write(i, `index_${table}_${n}`, concurrentIndexMigration(table, n)));
    else if (n % referenceEvery === 0) write(i, `reference_rows_${n}`, referenceRowsMigration(n));
    else if (options.tables > 0) write(i, `add_note_${n}_to_${table}`, addColumnMigration(table, n));
    else write(i, `reference_rows_${n}`, referenceRowsMigration(n));
  }
  const definitions = path.join(dir, 'db', 'definitions');
  fs.writeFileSync(path.join(definitions, 'accounts.json'), JSON.stringify(ACCOUNTS_DEFINITION, null, 2));
  for (let i = 1; i <= options.tables; i++) fs.writeFileSync(path.join(definitions, `${tableName(i)}.json`), JSON.stringify(itemDefinition(i), null, 2));
  fs.writeFileSync(path.join(dir, 'db', 'environments', 'development.json'), JSON.stringify({
    seed: 1, referenceDate: '2026-01-01T00:00:00.000Z', protected: false,
    tenants: { named: [{ slug: 'acme', name: 'Acme' }, { slug: 'globex', name: 'Globex' }], generated: 0 },
    counts: {},
  }, null, 2));
  const config = path.join(dir, 'tenantseed.config.json');
  fs.writeFileSync(config, JSON.stringify({
    migrations: 'db/migrations', definitions: 'db/definitions', environments: 'db/environments', schemas: ['public'],
    tenancy: { appRole: roles.app, adminRole: roles.admin },
  }, null, 2));
  return { dir, config, migrations, nonTransactional, tables };
}

