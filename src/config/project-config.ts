import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { ErrorObject } from 'ajv/dist/2020';
import { createJiti } from 'jiti';
import { UsageError } from '../errors';
import { packageRoot } from './package-paths';

/** The names a schema's row-level security uses: what `withTenant` and `validate` act with. */
export interface TenancyNames {
  /** The setting the RLS policies read the current tenant from (`current_setting(...)`). */
  readonly setting: string;
  /** The application role: subject to the policies. */
  readonly appRole: string;
  /** The admin role: BYPASSRLS, what loading switches to when the connecting role is a member. */
  readonly adminRole: string;
  /**
   * The tenant column of tables whose tenant no foreign key names (`tenant`, say): introspect
   * takes it as the tenant column of every table that has it. Definitions say it per table
   * (`x-tenant-column`).
   */
  readonly column?: string;
  /**
   * The SQL that sets the tenant for the transaction, with `$1` for the tenant id
   * (`select set_org_context($1)`), when the application sets it through a function rather than
   * the setting: withTenant and validate's probe then run it in place of `SET LOCAL setting`.
   */
  readonly setContext?: string;
  /**
   * The membership rule `setContext` must enforce (introspect writes it when it finds the check):
   * with `setting` naming a user, a tenant for which `table` has no row of that user in
   * `userColumn` must be refused. validate's membership probe then runs even where no function
   * of the schema checks membership any more; `withTenant` signs a member in first.
   */
  readonly membership?: MembershipRule;
}

/** `tenancy.membership`: the membership table, its user column and the setting that names the signed-in user. */
export interface MembershipRule {
  readonly table: string;
  readonly tenantColumn: string;
  readonly userColumn: string;
  readonly setting: string;
}

/**
 * A project: the team's migrations, definitions, environments, schemas and tenancy names,
 * resolved once (paths absolute) and frozen. Every command, the testing API and the knexfile
 * receive one; nothing below re-derives a default.
 */
export interface ProjectConfig {
  /** The config file, or undefined for the shipped reference project. */
  readonly file?: string;
  /** Knex migrations; undefined when another tool migrates the schema. */
  readonly migrations?: string;
  readonly definitions: string;
  readonly environments: string;
  /** The schemas the migrations own, in search order (the connection's search_path). */
  readonly schemas: readonly string[];
  readonly tenancy: TenancyNames;
  /** What `validate` is told by the team: advice accepted with a reason (`validate.accept`). */
  readonly validate?: ValidateSettings;
}

/** The `validate` key of the config: advice items accepted, and tables shared on purpose, each with its reason. */
export interface ValidateSettings {
  readonly accept: ReadonlyArray<{ readonly rule: string; readonly table?: string; readonly reason: string }>;
  /** Tables the application role may read whole (no tenant's data): as `"x-global": true` does for a table with a definition. */
  readonly shared: ReadonlyArray<{ readonly table: string; readonly reason: string }>;
}

/** The JSON config file's name (what `init` and `introspect` write). */
export const CONFIG_FILE_NAME = 'tenantseed.config.json';
/**
 * The names searched for in the working folder and its parents: a TypeScript or JavaScript
 * config (`export default defineConfig({...})`) or the JSON file. One folder holding two is
 * refused rather than one picked.
 */
export const CONFIG_FILE_NAMES: readonly string[] = Object.freeze([
  'tenantseed.config.ts', 'tenantseed.config.mts', 'tenantseed.config.cts',
  'tenantseed.config.mjs', 'tenantseed.config.js', 'tenantseed.config.cjs', CONFIG_FILE_NAME,
]);
/** The environment variable that names a config file. */
export const CONFIG_VARIABLE = 'TENANTSEED_CONFIG';
/** The tenancy names of the shipped schema: the defaults of `tenancy`. */
export const DEFAULT_TENANCY: TenancyNames = Object.freeze({
  setting: 'app.current_tenant_id',
  appRole: 'tenantseed_app',
  adminRole: 'tenantseed_admin',
});
export const DEFAULT_SCHEMAS: readonly string[] = Object.freeze(['public']);

/** The JSON Schema of the config file, shipped in the package. */
export function configSchemaPath(): string {
  return path.join(packageRoot(), 'schema', 'tenantseed.config.schema.json');
}

/** The shipped reference project: its migrations, definitions and profiles, the default names. */
export function shippedProjectConfig(): ProjectConfig {
  const root = packageRoot();
  return Object.freeze({
    migrations: path.join(root, 'migrations'),
    definitions: path.join(root, 'seeds', 'definitions'),
    environments: path.join(root, 'seeds', 'environments'),
    schemas: DEFAULT_SCHEMAS,
    tenancy: DEFAULT_TENANCY,
  });
}

/** Options of {@link resolveProjectConfig}. */
export interface ResolveProjectConfigOptions {
  /** `--config FILE`. */
  configFile?: string;
  /** Where TENANTSEED_CONFIG is read. Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Where the search for tenantseed.config.json starts. Default process.cwd(). */
  cwd?: string;
  /** `--definitions`: overrides the config's folder. */
  definitions?: string;
  /** `--environments`: overrides the config's folder. */
  environments?: string;
}

/** The config file that applies: `--config`, else TENANTSEED_CONFIG, else the nearest one up from `cwd`. */
export function findConfigFile(options: ResolveProjectConfigOptions = {}): { file: string; origin: string } | undefined {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const named = options.configFile !== undefined ? { value: options.configFile, origin: '--config' } : env[CONFIG_VARIABLE] ? { value: env[CONFIG_VARIABLE]!, origin: CONFIG_VARIABLE } : undefined;
  if (named) {
    const file = path.resolve(cwd, named.value);
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      throw new UsageError(`${named.origin} names ${file}, which does not exist`, {
        hint: `Give the path of a ${CONFIG_FILE_NAME} or tenantseed.config.ts, or run \`tenantseed init\` to write one.`,
      });
    }
    return { file, origin: named.origin };
  }
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const files = CONFIG_FILE_NAMES.map((name) => path.join(dir, name)).filter((f) => fs.existsSync(f) && fs.statSync(f).isFile());
    if (files.length > 1) {
      throw new UsageError(`${dir} holds ${files.length} config files: ${files.map((f) => path.basename(f)).join(', ')}`, {
        hint: 'Keep one of them (or name one with --config).',
      });
    }
    if (files.length === 1) return { file: files[0], origin: 'found' };
    if (path.dirname(dir) === dir) return undefined;
  }
}

let checkConfig: ReturnType<Ajv2020['compile']> | undefined;

function describeConfigError(error: ErrorObject): string {
  const at = error.instancePath || '/';
  if (error.keyword === 'additionalProperties') {
    const key = (error.params as { additionalProperty: string }).additionalProperty;
    return `unknown key "${key}"${error.instancePath ? ` in ${error.instancePath}` : ''}`;
  }
  if (error.keyword === 'required') return `missing key "${(error.params as { missingProperty: string }).missingProperty}"`;
  if (error.instancePath === '/tenancy/setContext') return '/tenancy/setContext: must be SQL with $1 where the tenant id goes, and no "?" (select set_org_context($1))';
  return `${at}: ${error.message ?? error.keyword}`;
}

function folder(file: string, key: string, value: string): string {
  const dir = path.resolve(path.dirname(file), value);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`${file}: "${key}" names the folder ${dir}, which does not exist`, {
      hint: `Create the folder or correct "${key}" (paths are relative to the config file).`,
    });
  }
  return dir;
}

function readJsonConfig(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`Cannot read the config file ${file} (${(err as NodeJS.ErrnoException).code ?? 'unknown error'})`, { hint: 'Check that it exists and is readable.' });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    // Never V8's message: it quotes the text, and the file may be a link to a file of secrets.
    const at = /at position (\d+)/.exec((err as Error).message);
    const where = at ? ` at line ${text.slice(0, Number(at[1])).split('\n').length}` : '';
    throw new UsageError(`${file} is not valid JSON${where}`, { hint: 'Fix the JSON syntax of the config file.' });
  }
}

/**
 * A `.ts`, `.mjs` or `.js` config: its default export (or `module.exports`), compiled by jiti,
 * as migrations are (see DirectoryMigrationSource). jiti's synchronous form
 * keeps reading a project config synchronous for every caller (the CLI, the testing API, the
 * knexfile); it installs no global require hook.
 */
function readModuleConfig(file: string): unknown {
  if (!fs.existsSync(file)) {
    throw new UsageError(`Cannot read the config file ${file} (ENOENT)`, { hint: 'Check that it exists and is readable.' });
  }
  const jiti = createJiti(__filename, { moduleCache: false, interopDefault: true });
  let loaded: unknown;
  try {
    loaded = jiti(file);
  } catch (err) {
    throw new UsageError(`${file} failed to load: ${(err as Error).message.split('\n')[0]}`, {
      hint: 'Fix the error in the config file; it must `export default defineConfig({...})` (from \'tenantseed\').',
    });
  }
  const config = loaded && typeof loaded === 'object' && 'default' in loaded ? (loaded as { default: unknown }).default : loaded;
  if (typeof config !== 'object' || config === null) {
    throw new UsageError(`${file} exports no config object`, { hint: 'End it with `export default defineConfig({ definitions: ..., environments: ... })`.' });
  }
  return config;
}

/**
 * Reads and checks one config file, JSON or a TypeScript/JavaScript module (both against
 * schema/tenantseed.config.schema.json), and
 * resolves its folders relative to the file. An unknown key, a bad value or a missing folder is
 * a UsageError (exit 2) that names it.
 *
 * @example
 * readProjectConfig('/app/tenantseed.config.json').tenancy.setting // 'app.current_company_id'
 */
export function readProjectConfig(file: string): ProjectConfig {
  const raw = /\.json$/i.test(file) ? readJsonConfig(file) : readModuleConfig(file);
  if (!checkConfig) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    checkConfig = ajv.compile(JSON.parse(fs.readFileSync(configSchemaPath(), 'utf8')));
  }
  if (!checkConfig(raw)) {
    throw new UsageError(`${file}: ${describeConfigError(checkConfig.errors![0])}`, {
      hint: `See docs/your-schema.md for the keys of ${CONFIG_FILE_NAME} (its JSON Schema: ${configSchemaPath()}).`,
    });
  }
  const config = raw as { migrations?: string; definitions: string; environments: string; schemas?: string[]; tenancy?: Partial<TenancyNames>; validate?: { accept?: ValidateSettings['accept']; shared?: ValidateSettings['shared'] } };
  return Object.freeze({
    file,
    migrations: config.migrations === undefined ? undefined : folder(file, 'migrations', config.migrations),
    definitions: folder(file, 'definitions', config.definitions),
    environments: folder(file, 'environments', config.environments),
    schemas: Object.freeze([...(config.schemas ?? DEFAULT_SCHEMAS)]),
    tenancy: Object.freeze({ ...DEFAULT_TENANCY, ...config.tenancy }),
    validate: Object.freeze({
      accept: Object.freeze((config.validate?.accept ?? []).map((a) => Object.freeze({ ...a }))),
      shared: Object.freeze((config.validate?.shared ?? []).map((a) => Object.freeze({ ...a }))),
    }),
  });
}

/**
 * The project a command works on: the config file that `--config`, TENANTSEED_CONFIG or the
 * search from the working folder finds, else the shipped reference project; `--definitions`
 * and `--environments` override its folders. Frozen.
 *
 * @example
 * const project = resolveProjectConfig({ cwd: '/app' });
 * project.migrations // '/app/db/migrations'
 */
export function resolveProjectConfig(options: ResolveProjectConfigOptions = {}): ProjectConfig {
  const found = findConfigFile(options);
  const base = found ? readProjectConfig(found.file) : shippedProjectConfig();
  const cwd = options.cwd ?? process.cwd();
  const override = (flag: string, value: string | undefined, current: string) => {
    if (value === undefined) return current;
    const dir = path.resolve(cwd, value);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      throw new UsageError(`${flag} ${value}: the folder ${dir} does not exist`, { hint: `Name an existing folder with ${flag}.` });
    }
    return dir;
  };
  return Object.freeze({
    ...base,
    definitions: override('--definitions', options.definitions, base.definitions),
    environments: override('--environments', options.environments, base.environments),
  });
}
