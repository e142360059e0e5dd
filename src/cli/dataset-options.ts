import type { Argv } from 'yargs';
import { assertEnvironmentName, ProjectConfig, resolveProjectConfig } from '../config';
import { loadDefinitions, LoadDefinitionsOptions, loadProfile } from '../definitions';
import { quoteInput, UsageError } from '../errors';
import { buildPlan, estimatePlan, LARGE_PLAN_ROWS, Plan } from '../generate';

/** Flags of every command that reads the project: `--config`, `--definitions`, `--environments`. */
export interface ProjectArgs {
  config?: string;
  definitions?: string;
  environments?: string;
}

/** Flags of every command that makes a dataset. */
export interface DatasetArgs extends ProjectArgs {
  env: string;
  seed?: string;
  tenants?: string;
  strict?: boolean;
  allowLarge?: boolean;
}

/** The project the flags name: `--config` (else TENANTSEED_CONFIG, else the nearest tenantseed.config.json), folders overridden. */
export function projectFromArgs(args: ProjectArgs): ProjectConfig {
  return resolveProjectConfig({ configFile: args.config, definitions: args.definitions, environments: args.environments });
}

/** A yargs coerce that refuses a flag given more than once (yargs would make it an array). */
export function single(flag: string): (value: unknown) => unknown {
  return (value) => {
    if (Array.isArray(value)) throw new UsageError(`${flag} was given ${value.length} times`, { hint: `Give ${flag} once.` });
    return value;
  };
}

/** Adds --definitions and --environments (the shipped folders by default). */
export function withFolderOptions<T>(yargs: Argv<T>): Argv<T & { definitions?: string; environments?: string }> {
  return yargs
    .option('definitions', { type: 'string', coerce: single('--definitions'), describe: "Folder of table definitions (default: the project config's)" })
    .option('environments', { type: 'string', coerce: single('--environments'), describe: "Folder of environment profiles (default: the project config's)" }) as Argv<T & { definitions?: string; environments?: string }>;
}

/** Adds --env (required), --seed, --tenants, --definitions and --environments. */
export function withDatasetOptions<T>(yargs: Argv<T>): Argv<T & DatasetArgs> {
  return withFolderOptions(yargs)
    .option('env', { type: 'string', demandOption: true, coerce: single('--env'), describe: 'Environment profile (seeds/environments/NAME.json)' })
    .option('seed', { type: 'string', coerce: single('--seed'), describe: "Seed (an integer from 0 up); default: the profile's" })
    .option('tenants', { type: 'string', coerce: single('--tenants'), describe: 'Total tenants: the named ones first, then generated ones' })
    .option('strict', { type: 'boolean', describe: 'Check every generated row against its definition (default: a keyed sample)' })
    .option('allow-large', { type: 'boolean', describe: `Make a dataset of more than ${LARGE_PLAN_ROWS.toLocaleString('en')} rows (refused without it)` }) as Argv<T & DatasetArgs>;
}

/** Parses a whole number flag strictly: "1.5", "-3", "abc", "" are bad input. */
export function parseWholeNumber(flag: string, value: string | undefined, minimum: number): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Number(text) < minimum) {
    throw new UsageError(`${flag} must be a whole number from ${minimum} up, not ${quoteInput(value)}`, { hint: `For example ${flag} ${Math.max(minimum, 1)}.` });
  }
  return Number(text);
}

/**
 * Resolves the project, loads its definitions and the profile, and builds the plan the flags ask
 * for. `schemaCheck: 'later'` leaves compiling the definitions to the command (reset: only when
 * it makes rows).
 */
export function planFromArgs(args: DatasetArgs, options: LoadDefinitionsOptions = {}): { plan: Plan; project: ProjectConfig } {
  const env = assertEnvironmentName(args.env);
  const seed = parseWholeNumber('--seed', args.seed, 0);
  const tenants = parseWholeNumber('--tenants', args.tenants, 1);
  const project = projectFromArgs(args);
  const definitions = loadDefinitions(project.definitions, options);
  const profile = loadProfile(project.environments, env);
  // Refused before any plan exists: a plan keeps its tenant list in memory.
  const estimate = estimatePlan(definitions, profile, tenants);
  if (estimate.rows > LARGE_PLAN_ROWS && !args.allowLarge) {
    const gb = (estimate.planBytes / 1e9).toFixed(1);
    throw new UsageError(`This dataset would make about ${estimate.rows.toLocaleString('en')} rows for ${estimate.tenants.toLocaleString('en')} tenants (and keep about ${gb} GB of tenant list in memory), more than ${LARGE_PLAN_ROWS.toLocaleString('en')}`, {
      hint: 'Lower --tenants or the profile\'s counts, or pass --allow-large if you mean it.',
    });
  }
  return { plan: buildPlan({ definitions, profile, seed, tenants }), project };
}
