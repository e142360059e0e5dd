import type { Argv, CommandModule } from 'yargs';
import { Parser } from 'yargs/helpers';
import { resolveProjectConfig } from '../config';
import { listEnvironments } from '../definitions';
import { single } from './dataset-options';

/** The flags that every command used to take, now declared only where they act. */
export type SharedFlag = 'database-url' | 'config';

/** Examples shown by each command's `--help`: commands that work on the shipped schema. */
export const EXAMPLES: Readonly<Record<string, ReadonlyArray<readonly [string, string]>>> = {
  migrate: [
    ['$0 migrate latest --env development', 'Apply every pending migration and stamp the database development'],
    ['$0 migrate status --json', 'List applied and pending migrations'],
  ],
  seed: [
    ['$0 seed --env development', 'Load the development dataset into a migrated database'],
    ['$0 seed --env test --seed 7 --tenants 5 --json', 'Another seed and tenant count, as JSON'],
  ],
  reset: [
    ['$0 reset --env development', 'Drop, migrate, seed and validate the development dataset'],
    ['$0 reset --env staging --yes --report staging.html', 'Confirm a protected environment and write the HTML report'],
  ],
  validate: [
    ['$0 validate --env development', 'Run every check and print the evidence'],
    ['$0 validate --env test --reporter junit --output validation.xml', 'JUnit XML for a CI system'],
  ],
  'tenant add': [
    ['$0 tenant add --env development --slug umbrella --name "Umbrella Corp" --template fintech', 'Add a tenant as the profile\'s newTenant describes'],
  ],
  generate: [
    ['$0 generate --env development --out fixtures', 'Write CSV files, no database needed'],
    ['$0 generate --env test --out fixtures --format sql', 'One SQL file per table'],
  ],
  types: [
    ['$0 types --out test/tables.ts', 'Write each definition\'s columns as TypeScript types'],
    ['$0 types --config db/tenantseed.config.json --out src/db/tables.ts', 'The types of another project\'s definitions'],
  ],
  init: [['$0 init --dir db', 'Write a config and copies of the reference files into db/']],
  introspect: [
    ['$0 introspect --out db --database-url postgres://me@localhost/app', 'Draft definitions and a config from a live database'],
    ['$0 introspect --out db --learn-from postgres://reader@replica/app', 'The same, with the distributions of a source database (statistics only)'],
  ],
  compare: [
    ['$0 compare --source postgres://reader@replica/app', 'Compare the project database\'s distributions with the source\'s'],
    ['$0 compare --source postgres://reader@replica/app --reporter html --output fidelity.html', 'The fidelity report as one page with small charts'],
  ],
  distribute: [['$0 distribute --database-url postgres://postgres@coordinator/app', 'Distribute the tables on a Citus coordinator']],
  'test-db prune': [['$0 test-db prune --older-than 60', 'Drop test templates and pools unused for an hour']],
  db: [
    ['$0 db start', 'Start the embedded server and print its URL'],
    ['$0 db url', 'Print the URL of the running embedded server'],
  ],
};

const FLAG_OPTIONS = {
  'database-url': { type: 'string', describe: 'PostgreSQL URL (else DATABASE_URL, else the embedded server)' },
  config: {
    type: 'string',
    coerce: single('--config'),
    describe: 'Project config (else TENANTSEED_CONFIG, else the nearest tenantseed.config.json, else the shipped schema)',
  },
} as const;

/**
 * The environments `--env` can name in the project the command line points at: the resolved
 * environments folder (`--environments`, else the config's, else the shipped one). Undefined
 * when the project cannot be resolved (a broken config is reported by the command itself).
 */
export function projectEnvironments(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): { names: string[]; folder: string } | undefined {
  const parsed = Parser(argv as string[], { string: ['config', 'environments'] });
  const last = (value: unknown) => (Array.isArray(value) ? value[value.length - 1] : value) as string | undefined;
  try {
    const project = resolveProjectConfig({ configFile: last(parsed.config), environments: last(parsed.environments), env });
    return { names: listEnvironments(project.environments), folder: project.environments };
  } catch {
    return undefined;
  }
}

/** Adds a command's examples and, where it has `--env`, the project's environments to its help. */
export function withCommandHelp<T>(yargs: Argv<T>, path: string, argv: readonly string[]): Argv<T> {
  let out = yargs;
  for (const [command, description] of EXAMPLES[path] ?? []) out = out.example(command, description);
  const options = (out as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions();
  if ('env' in options.key && argv.some((a) => a === '--help' || a === '-h')) {
    const found = projectEnvironments(argv);
    if (found) {
      const names = found.names.length > 0 ? found.names.join(', ') : 'none yet';
      out = out.describe('env', `Environment profile: ${names} (in ${found.folder})`);
    }
  }
  return out;
}

/**
 * A top-level command with the shared flags it acts on (`--database-url` where it opens a
 * database, `--config` where it reads the project; global within the command, so a
 * subcommand has them too) and its help examples. A command that would ignore a flag does
 * not accept it (strict mode makes it "Unknown argument").
 */
export function commandWith<T>(module: CommandModule<object, T>, path: string, flags: readonly SharedFlag[], argv: readonly string[]): CommandModule<object, T> {
  const builder = module.builder;
  return {
    ...module,
    builder: (yargs: Argv) => {
      let y = yargs as Argv;
      for (const flag of flags) y = y.option(flag, { ...FLAG_OPTIONS[flag], global: true });
      const built = typeof builder === 'function' ? (builder(y as Argv<object>) as Argv) : y.options(builder ?? {});
      return withCommandHelp(built, path, argv) as unknown as Argv<T>;
    },
  };
}

/** Adds examples (and the project's environments) to a subcommand's help; see {@link withCommandHelp}. */
export type CommandHelp = <T>(yargs: Argv<T>, path: string) => Argv<T>;

/**
 * One usage line from a command's help text: its first line, the options it requires
 * (`--env ENV`), and `[options]` when it has others.
 *
 * @example
 * usageLine('tenantseed reset\n\nOptions:\n  --env  Environment  [string] [required]\n  --yes  Confirm  [boolean]'); // 'tenantseed reset --env ENV [options]'
 */
export function usageLine(help: string): string {
  const lines = help.split('\n');
  const head = lines[0].trim();
  const required: string[] = [];
  let current: string | undefined;
  let others = false;
  for (const line of lines.slice(1)) {
    const option = /^ {2}(--[\w-]+)/.exec(line);
    if (option) {
      current = option[1];
      if (!['--help', '--version'].includes(current)) others = true;
    }
    if (current && line.includes('[required]') && !required.includes(current)) required.push(current);
  }
  const flags = required.map((flag) => `${flag} ${flag.slice(2).toUpperCase().replace(/-/g, '_')}`);
  const rest = others && !/\[options\]/.test(head) ? ' [options]' : '';
  return [head, ...flags].join(' ') + rest;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length];
}

/**
 * The command an unknown word probably meant, only when it is close: one edit for words of up
 * to four letters, two for longer ones (`sed` -> `seed`, `migarte` -> `migrate`; never `foo` -> `db`).
 */
export function closestCommand(word: string, commands: readonly string[]): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const name of commands) {
    const distance = editDistance(word.toLowerCase(), name);
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** The commands a help text lists (the last word of each `  tenantseed ... NAME` line under "Commands:"). */
export function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return [...section.matchAll(/^ {2}\S+ (?:[\w-]+ )*?([\w-]+)(?: <[^>]+>| \[[^\]]+\])*(?: {2,}|$)/gm)].map((m) => m[1]);
}
