import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { CONFIG_FILE_NAME, configSchemaPath, DEFAULT_TENANCY, ProjectConfig } from '../config';
import type { MembershipRule, TenancyNames } from '../config';
import { BOOKKEEPING_SCHEMA, queryRows, readLatestManifest, readMadeRows, readRole, readSchemaSnapshot, readSourceStatistics, readTable, schemaAccess } from '../db';
import type { SchemaSnapshot, SourceStatistics } from '../db';
import { loadDefinitions, loadProfile } from '../definitions';
import { TenantseedError, UsageError } from '../errors';
import { buildPlan, guardRows, RowGuard } from '../generate';
import { draftProject, existingRowColumns, Finding, learnFromStatistics, MIGRATION_TOOL_TABLES, ProjectDraft, statisticsRequest } from '../introspect';
import { readContextIdentity } from '../validate';
import { trialLoadDraft } from './trial-load-draft';
import { mergeWithPreviousDraft, saveDraftSnapshot, writtenByHand } from './previous-draft';

/** Options of {@link introspectDatabase}. */
export interface IntrospectDatabaseOptions {
  knex: Knex;
  /** The project whose database is read: its schemas, tenancy defaults, and whether it owns the schema. */
  project: ProjectConfig;
  /** The folder to write `definitions/`, `environments/development.json` and `tenantseed.config.json` into. */
  outDir: string;
  /** The schema to read. Default: the project's first schema. */
  schema?: string;
  /**
   * Overwrite files that exist already, starting over (others in the folder are never touched).
   * Without it, files introspect drafted before are merged: hand edits kept, new columns added.
   */
  force?: boolean;
  /**
   * The folder to write `tenantseed.config.json` into (its paths pointing into `outDir`), so
   * that commands run from there find it: the CLI passes the folder it runs in. Default: `outDir`.
   */
  configDir?: string;
  /**
   * A source database (production, or a copy) to learn distributions from: its statistics only,
   * in a read-only transaction (see readSourceStatistics). Its schema must be the one read.
   */
  learnFrom?: Knex;
}

/** The file, in the --out folder, that says what was read of the source and what was learned. */
export const LEARNED_FROM_FILE = 'learned-from.json';

/** Why the drafted files do not generate or load: the file to edit and the reason. */
export interface DraftFailure {
  /** Whether the rows could not be made (`generate`) or made rows did not load (`load`). */
  readonly stage: 'generate' | 'load';
  /** Relative to the folder the config is in, e.g. `db/definitions/users.json`; absent when no one file is to blame. */
  readonly file?: string;
  readonly reason: string;
}

/** What {@link introspectDatabase} wrote and found. */
export interface IntrospectOutcome {
  readonly outDir: string;
  readonly schema: string;
  /** Written, relative to `outDir`. */
  readonly files: readonly string[];
  readonly draft: ProjectDraft;
  /** Findings of the whole run: the draft's, and the check of the drafted files. */
  readonly findings: readonly Finding[];
  /** Rows the drafted profile makes and loads (into rolled-back copies of the tables), when the check passed. */
  readonly rows?: number;
  /** The config written, absolute. */
  readonly configFile: string;
  /** Set when the drafted files do not generate or do not load: introspect has failed (exit 1). */
  readonly failure?: DraftFailure;
  /** With `learnFrom`: what was read of the source (its queries, and those it could not run). */
  readonly statistics?: SourceStatistics;
}

/** More rows than this in a table of an unseeded database are the application's data, not reference rows. */
const MAX_EXISTING_ROWS = 5000;
const PROFILE_FILE = path.join('environments', 'development.json');
/** The testing API's default environment: the same profile, so createTestDatabase() works on a drafted project. */
const TEST_PROFILE_FILE = path.join('environments', 'test.json');

/**
 * Whether the project's migrations built this database: its migration ledger lists one of
 * them. Only then does the drafted config name them (and rows already there count as theirs);
 * a schema that another tool migrated gets a config without "migrations".
 */
async function migratedByProject(knex: Knex, project: ProjectConfig): Promise<boolean> {
  if (!project.migrations || !fs.existsSync(project.migrations)) return false;
  const ledger = `${BOOKKEEPING_SCHEMA}.knex_migrations`;
  const [{ exists }] = await queryRows<{ exists: boolean }>(knex, 'SELECT to_regclass(?) IS NOT NULL AS exists', [ledger]);
  if (!exists) return false;
  const ran = new Set((await queryRows<{ name: string }>(knex, `SELECT name FROM ${ledger}`)).map((r) => r.name.replace(/\.[cm]?[jt]s$/, '')));
  return fs.readdirSync(project.migrations).some((f) => ran.has(f.replace(/\.[cm]?[jt]s$/, '')));
}

/**
 * Rows the migrations made, in a freshly migrated database that tenantseed never seeded (no
 * manifest), whoever ran the migrations: tenantseed's Knex, Prisma, Alembic, psql. Reset keeps
 * them: its own migrations make them again, or (a schema another tool migrates) it sets them
 * aside and puts them back.
 */
async function rowsMadeByMigrations(knex: Knex, snapshot: SchemaSnapshot, draft: ProjectDraft, findings: Finding[]): Promise<Map<string, Record<string, unknown>[]>> {
  const rows = new Map<string, Record<string, unknown>[]>();
  const holding = snapshot.tables.filter((t) => (t.rows ?? 0) > 0 && draft.definitions.has(t.name) && !MIGRATION_TOOL_TABLES[t.name.toLowerCase()]);
  if (holding.length === 0) return rows;
  const manifests = (await readLatestManifest(knex)) !== undefined;
  if (manifests) {
    findings.push({ level: 'inferred', message: `rows already in ${holding.map((t) => t.name).join(', ')} are not recorded (the database holds a seeded dataset, so its rows are not the migrations' own)` });
    return rows;
  }
  for (const table of holding) {
    const made = await readMadeRows(knex, table.schema, table.name, existingRowColumns(draft.definitions.get(table.name)!), MAX_EXISTING_ROWS + 1);
    if (made.length > MAX_EXISTING_ROWS) {
      findings.push({ level: 'warning', table: table.name, message: `${table.name} holds more than ${MAX_EXISTING_ROWS} rows: not recorded as made by the migrations. Introspect a freshly migrated database` });
      continue;
    }
    rows.set(table.name, made);
    findings.push({ level: 'inferred', table: table.name, message: `${made.length} row(s) of ${table.schema === snapshot.schema ? '' : `${table.schema}.`}${table.name} recorded as made by the migrations, every value ("x-existing-rows"): referenced, put back exactly by reset, never generated` });
  }
  return rows;
}

/**
 * The tables of other schemas that the schema's foreign keys reference (reference rows the
 * migrations keep in a schema of their own: `ref.countries`), added to the snapshot so that
 * they get definitions and their rows are recorded. A name the schema has already is left out.
 */
async function withReferencedSchemas(knex: Knex, snapshot: SchemaSnapshot, findings: Finding[]): Promise<{ snapshot: SchemaSnapshot; schemas: string[] }> {
  const wanted = new Map<string, Set<string>>();
  for (const c of snapshot.tables.flatMap((t) => t.constraints)) {
    if (c.kind !== 'foreign' || !c.refSchema || c.refSchema === snapshot.schema || !c.refTable) continue;
    if (!wanted.has(c.refSchema)) wanted.set(c.refSchema, new Set());
    wanted.get(c.refSchema)!.add(c.refTable);
  }
  const tables = [...snapshot.tables];
  // The roles of the schema, with what they may read in the other schemas' tables too (the application role's SELECT).
  const roles = snapshot.roles.map((r) => ({ ...r, tables: [...r.tables] }));
  const schemas: string[] = [];
  for (const [schema, names] of [...wanted].sort(([a], [b]) => a.localeCompare(b))) {
    const other = await readSchemaSnapshot(knex, schema);
    for (const table of other.tables.filter((t) => names.has(t.name))) {
      if (tables.some((t) => t.name === table.name)) {
        findings.push({ level: 'warning', table: table.name, message: `${schema}.${table.name} is referenced, but ${snapshot.schema} has a table of that name too: not drafted (definitions name tables by name alone)` });
        continue;
      }
      tables.push(table);
      for (const role of roles) {
        if (other.roles.some((r) => r.name === role.name && r.tables.includes(table.name))) role.tables.push(table.name);
      }
      if (!schemas.includes(schema)) schemas.push(schema);
    }
  }
  for (const schema of schemas) findings.push({ level: 'inferred', message: `schema ${schema}: its tables that ${snapshot.schema} references are drafted too, and the config lists it in "schemas"` });
  return { snapshot: { ...snapshot, tables, roles }, schemas };
}

/**
 * The tenant columns the team's definitions already name (`x-tenant-column`), by table: the
 * project's definitions (when a config names them), then those in the --out folder.
 */
function settledTenantColumns(project: ProjectConfig, outDir: string): Map<string, string> {
  const settled = new Map<string, string>();
  const folders = [...(project.file ? [project.definitions] : []), path.join(outDir, 'definitions')];
  for (const folder of folders) {
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) continue;
    for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const raw = JSON.parse(fs.readFileSync(path.join(folder, file), 'utf8')) as Record<string, unknown>;
        if (typeof raw['x-table'] === 'string' && typeof raw['x-tenant-column'] === 'string') settled.set(raw['x-table'], raw['x-tenant-column']);
      } catch {
        // A file that does not parse settles nothing; loading the definitions names it.
      }
    }
  }
  return settled;
}

function json(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v instanceof Date ? v.toISOString() : v), 2) + '\n';
}

/**
 * Checks the drafted files as a user would run them: loads them, plans and generates every row
 * once against its definition, then loads those rows into rolled-back copies of the tables (so
 * the unique keys, CHECKs and foreign keys the draft must satisfy are checked by PostgreSQL).
 */
async function checkDraft(knex: Knex, snapshot: SchemaSnapshot, directory: string): Promise<{ rows: number } | { failure: DraftFailure }> {
  const schema = snapshot.schema;
  const otherSchemas = new Map(snapshot.tables.filter((t) => t.schema !== schema).map((t) => [t.name, t.schema]));
  const relative = (text: string) => text.split(directory + path.sep).join('');
  const fileOf = (table: string | undefined) => (table ? path.join('definitions', `${table}.json`) : undefined);
  let definitions;
  let profile;
  try {
    definitions = loadDefinitions(path.join(directory, 'definitions'));
    profile = loadProfile(path.join(directory, 'environments'), 'development');
    const plan = buildPlan({ definitions, profile });
    for (const table of [...plan.legacyTables, ...plan.tables]) {
      try {
        for (const _row of guardRows(table.rows(), new RowGuard(table, { strict: true })));
      } catch (error) {
        return failureOf('generate', fileOf(table.name), relative(describe(error)));
      }
    }
  } catch (error) {
    const file = (error as { file?: string }).file;
    return failureOf('generate', file ? relative(file) : undefined, relative(describe(error)));
  }
  const trial = await trialLoadDraft({ knex, schema, otherSchemas, definitions, profile });
  if (trial.ok) return { rows: trial.rows };
  return failureOf('load', fileOf(trial.table), relative(describe(trial.error)));
}

/** A failure whose reason starts with the file it names: the file apart, the reason without it. */
function failureOf(stage: DraftFailure['stage'], file: string | undefined, reason: string): { failure: DraftFailure } {
  const named = /^(definitions\/.+?\.json|environments\/.+?\.json)(?::\s*)?/.exec(reason);
  if (!named) return { failure: { stage, file, reason } };
  return { failure: { stage, file: named[1], reason: reason.slice(named[0].length) } };
}

function describe(error: unknown): string {
  const hint = (error as TenantseedError).hint;
  return `${(error as Error).message}${hint ? ` (${hint})` : ''}`;
}

/**
 * The config's `tenancy`: what the catalog shows, else what the project's config already says.
 * A role is written only if it exists; with no application role found, none is written (and the
 * finding says so), never a default role the database does not have.
 */
async function draftTenancyNames(knex: Knex, project: ProjectConfig, draft: ProjectDraft, findings: Finding[]): Promise<Record<string, string | MembershipRule>> {
  const configured = project.file !== undefined;
  const names: Record<string, string | undefined> = {
    setting: draft.tenancy.setting ?? project.tenancy.setting,
    appRole: draft.tenancy.appRole ?? (configured ? project.tenancy.appRole : undefined),
    adminRole: draft.tenancy.adminRole ?? (configured ? project.tenancy.adminRole : undefined),
    column: project.tenancy.column,
    setContext: draft.tenancy.setContext ?? project.tenancy.setContext,
  };
  for (const key of ['appRole', 'adminRole'] as const) {
    const role = names[key];
    if (role === undefined || role === draft.tenancy[key]) continue;
    if (!(await readRole(knex, role))) {
      findings.push({ level: 'warning', message: `tenancy.${key} ${role} (from ${project.file}) is no role of this database: not written` });
      names[key] = undefined;
    }
  }
  if (names.appRole === undefined) {
    findings.push({ level: 'warning', message: `tenancy.appRole not written: commands then act as the default ${DEFAULT_TENANCY.appRole}; name your application role there` });
  }
  return Object.fromEntries(Object.entries(names).filter((e): e is [string, string] => e[1] !== undefined));
}

/**
 * The config's `tenancy.membership`: the membership check the context function applies, as
 * validate reads it, when its user column is the membership table's own (what the declaration
 * can name). Written so that validate keeps proving the refusal if the check is later taken out.
 */
async function draftMembership(knex: Knex, schemas: readonly string[], tenancy: TenancyNames, draft: ProjectDraft, findings: Finding[]): Promise<MembershipRule | undefined> {
  if (tenancy.membership) return tenancy.membership;
  if (!tenancy.setContext || !draft.root) return undefined;
  const tables = [...draft.definitions].map(([table, node]) => ({ table, tenantColumn: typeof node['x-tenant-column'] === 'string' ? node['x-tenant-column'] : undefined }));
  const reading = await readContextIdentity({ knex, schemas, tenancy, definitions: { tenantRoot: { table: draft.root }, tables } });
  const identity = reading.identity;
  if (!identity || !identity.applied) return undefined;
  if (!(await readTable(knex, identity.table))?.columns.some((c) => c.name === identity.check.userColumn)) return undefined;
  findings.push({ level: 'inferred', message: `tenancy.membership ${identity.table}.${identity.check.userColumn} (${identity.setting}): ${identity.contextFunction} refuses a tenant the signed-in user is no member of (through ${identity.check.function}); validate proves it` });
  return { table: identity.table, tenantColumn: identity.tenantColumn, userColumn: identity.check.userColumn, setting: identity.setting };
}

/**
 * `tenantseed introspect`: reads a migrated schema's catalog and writes a definition per table,
 * a starter development profile and a tenantseed.config.json (its tenancy names as the
 * policies and grants show them), after generating every row of that profile once to check
 * them. Refuses (UsageError, nothing written) to overwrite a file without `force`; an empty or
 * missing schema, or one the role may not use, is an error and writes nothing. The same
 * database gives byte-identical files.
 *
 * @example
 * const outcome = await introspectDatabase({ knex, project, outDir: 'db' });
 * outcome.findings.filter((f) => f.level === 'hand-edit')
 */
export async function introspectDatabase(options: IntrospectDatabaseOptions): Promise<IntrospectOutcome> {
  const { knex, project } = options;
  const schema = options.schema ?? project.schemas[0];
  const outDir = path.resolve(options.outDir);
  const access = await schemaAccess(knex, schema);
  const databaseName = (await queryRows<{ name: string }>(knex, 'SELECT current_database() AS name'))[0].name;
  if (!access.exists) {
    throw new UsageError(`The database ${databaseName} has no schema "${schema}"`, { hint: 'Name the schema your tables are in with --schema (or "schemas" in tenantseed.config.json). Nothing was written.' });
  }
  if (!access.usable) {
    throw new TenantseedError(`The role "${access.user}" may not use the schema "${schema}", so it cannot read its tables`, {
      hint: `Connect as the schema's owner, or GRANT USAGE ON SCHEMA ${schema} TO ${access.user}. Nothing was written.`,
    });
  }
  const own = await readSchemaSnapshot(knex, schema);
  const tables = own.tables.filter((t) => !MIGRATION_TOOL_TABLES[t.name.toLowerCase()]);
  if (tables.length === 0) {
    throw new TenantseedError(`The schema "${schema}" of ${databaseName} holds no tables${own.tables.length > 0 ? ' (only a migration tool\'s bookkeeping)' : ''}: there is nothing to introspect`, {
      hint: 'Run your migrations first (Prisma, Alembic, Knex, psql), or point --database-url at a migrated database. Nothing was written.',
    });
  }
  const findings: Finding[] = [];
  const { snapshot, schemas: referenced } = await withReferencedSchemas(knex, own, findings);
  const unreadable = tables.filter((t) => t.rows === undefined);
  if (unreadable.length > 0) {
    findings.push({ level: 'warning', message: `the role "${access.user}" may not read ${unreadable.map((t) => t.name).join(', ')}: their rows were not looked at` });
  }
  const owned = await migratedByProject(knex, project);
  const migrations = owned ? project.migrations : undefined;
  findings.push({ level: 'inferred', message: owned
    ? `migrated by the project's migrations (${project.migrations}): the config names them, and reset rebuilds the schema with them`
    : 'migrated by another tool: the config names no migrations, so tenantseed never changes the schema (reset empties and reseeds the tables the definitions name)' });
  const said = { column: project.tenancy.column, tenantColumns: settledTenantColumns(project, outDir) };
  const first = draftProject(snapshot, { tenancy: said });
  const existingRows = await rowsMadeByMigrations(knex, snapshot, first, findings);
  let draft = existingRows.size > 0 ? draftProject(snapshot, { existingRows, tenancy: said }) : first;
  let statistics: SourceStatistics | undefined;
  if (options.learnFrom) {
    statistics = await readSourceStatistics(options.learnFrom, statisticsRequest(snapshot, draft));
    draft = learnFromStatistics(draft, snapshot, statistics);
  }
  findings.unshift(...draft.findings);

  const files = new Map<string, string>();
  for (const [table, definition] of draft.definitions) files.set(path.join('definitions', `${table}.json`), json(definition));
  files.set(PROFILE_FILE, json(draft.profile));
  if (!writtenByHand(outDir, TEST_PROFILE_FILE)) {
    files.set(TEST_PROFILE_FILE, json({ ...draft.profile, description: `For automated tests (createTestDatabase's default environment). ${draft.profile.description}` }));
  }
  if (statistics) files.set(LEARNED_FROM_FILE, json(statistics));
  // The config goes where the commands will run, its paths relative to it (posix, as users write them).
  const configDir = path.resolve(options.configDir ?? outDir);
  const fromConfig = (to: string) => path.relative(configDir, to).split(path.sep).join('/') || '.';
  const schemaPath = fromConfig(configSchemaPath());
  const config = {
    $schema: schemaPath.startsWith('.') ? schemaPath : `./${schemaPath}`,
    ...(migrations ? { migrations: fromConfig(migrations) } : {}),
    definitions: fromConfig(path.join(outDir, 'definitions')),
    environments: fromConfig(path.join(outDir, 'environments')),
    schemas: [...new Set([...(schema === project.schemas[0] ? project.schemas : [schema]), ...referenced])],
    tenancy: await draftTenancyNames(knex, project, draft, findings),
  };
  const membership = await draftMembership(knex, config.schemas, { ...project.tenancy, ...config.tenancy }, draft, findings);
  if (membership) config.tenancy.membership = membership;
  const configFile = path.join(configDir, CONFIG_FILE_NAME);
  files.set(path.relative(outDir, configFile), json(config));

  // Run again on a changed schema: merge into the files drafted before, keeping their hand edits.
  const drafted = new Map(files);
  const merged = options.force ? new Set<string>() : mergeWithPreviousDraft(outDir, files, findings, json);
  const existing = [...files.keys()].filter((f) => fs.existsSync(path.join(outDir, f)) && !merged.has(f));
  if (existing.length > 0 && !options.force) {
    throw new UsageError(`introspect would overwrite ${existing.length} file(s) in ${outDir}: ${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', ...' : ''}`, {
      hint: 'Nothing was written. Pass --force to overwrite them, or choose another --out folder.',
    });
  }

  // Check the drafted files as a user would run them: load, plan, make every row once, load them (rolled back).
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-introspect-'));
  let rows: number | undefined;
  let failure: DraftFailure | undefined;
  try {
    for (const [file, text] of files) {
      if (path.isAbsolute(file) || file.startsWith('..')) continue;
      fs.mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
      fs.writeFileSync(path.join(staging, file), text);
    }
    const checked = await checkDraft(knex, snapshot, staging);
    if ('rows' in checked) rows = checked.rows;
    else {
      const outPrefix = path.relative(configDir, outDir);
      failure = { ...checked.failure, file: checked.failure.file && outPrefix ? path.join(outPrefix, checked.failure.file) : checked.failure.file };
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }

  const defined = new Set(draft.definitions.keys());
  const definitionsDir = path.join(outDir, 'definitions');
  const strays = fs.existsSync(definitionsDir) ? fs.readdirSync(definitionsDir).filter((f) => f.endsWith('.json') && !defined.has(f.slice(0, -5))).sort() : [];
  for (const stray of strays) findings.push({ level: 'warning', message: `definitions/${stray} names no table of ${schema}: left as it is (remove it if the table is gone)` });
  for (const [file, text] of files) {
    fs.mkdirSync(path.dirname(path.join(outDir, file)), { recursive: true });
    fs.writeFileSync(path.join(outDir, file), text);
  }
  saveDraftSnapshot(outDir, drafted);
  return { outDir, schema, files: [...files.keys()], draft, findings, rows, configFile, failure, ...(statistics ? { statistics } : {}) };
}
