import type { Argv, CommandModule } from 'yargs';
import { devLogins, refuseProduction, resetDatabase, ResetOutcome, ResetPath, seedDatabase, SeedOutcome } from '../../workflows';
import type { Plan } from '../../generate';
import { DatasetArgs, planFromArgs, withDatasetOptions } from '../dataset-options';
import { UsageError } from '../../errors';
import { formatOfFile, writeReportFile } from '../write-report';
import { single } from '../dataset-options';
import { CliIO } from '../output';
import { Notices } from '../notices';
import { terminalConfirm } from '../confirm';
import { EXIT } from '../exit-codes';
import { printReport } from '../print-report';
import { validateDatabase, ValidationReport } from '../../validate';
import { progressDisplay } from '../progress';
import { dropPreviousLater } from '../drop-previous-later';
import { DatabaseArgs, projectLabel, withDatabase } from '../with-database';

interface SeedArgs extends DatasetArgs, DatabaseArgs {
  yes?: boolean;
  allowSkip?: boolean;
  revalidate?: boolean;
  lockWait?: string;
  report?: string;
  json?: boolean;
  quiet?: boolean;
}

/** A number of seconds, more than 0 (fractions allowed): "abc", "0", "-1" are bad input. */
function parseSeconds(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(String(value).trim());
  if (!/^\d+(\.\d+)?$/.test(String(value).trim()) || !(seconds > 0)) {
    throw new UsageError(`${flag} must be a number of seconds above 0, not "${value}"`, { hint: `For example ${flag} 30.` });
  }
  return seconds;
}

/** TENANTSEED_RESET_PATH=swap|in-place forces reset's path (for measurements and for a project the choice misjudges). */
function resetPathFromEnvironment(): ResetPath | undefined {
  const value = process.env.TENANTSEED_RESET_PATH;
  if (value === undefined || value === '') return undefined;
  if (value !== 'swap' && value !== 'in-place') throw new UsageError(`TENANTSEED_RESET_PATH must be "swap" or "in-place", not "${value}"`, { hint: 'Unset it to let reset choose.' });
  return value;
}

function report(io: CliIO, plan: Plan, outcome: SeedOutcome, command: string, json: Notices | undefined, embedded: boolean, project: string, validation?: ValidationReport): void {
  const logins = devLogins(plan);
  if (json) {
    const summary = { project, status: outcome.status, ...outcome.manifest, seconds: outcome.status === 'seeded' ? outcome.seconds : 0, logins, validation, notices: json.list };
    io.stdout.write(JSON.stringify(summary) + '\n');
    return;
  }
  const m = outcome.manifest;
  if (outcome.status === 'already-seeded') {
    io.stdout.write(`Nothing to do: the database already holds this dataset (${m.environment}, seed ${m.seed}, ${m.tenants} tenants, ${m.rows} rows, seeded by ${m.command} at ${m.startedAt.toISOString()}).\n`);
  } else {
    for (const table of plan.tables) {
      const rows = Object.values(m.counts[table.name] ?? {}).reduce((a, b) => a + b, 0);
      if (rows > 0) io.stdout.write(`  ${table.name.padEnd(24)} ${String(rows).padStart(9)} rows\n`);
    }
    io.stdout.write(`${command === 'reset' ? 'Reset and seeded' : 'Seeded'} ${m.rows} rows of ${m.tenants} tenants (${m.environment}, seed ${m.seed}) in ${outcome.seconds.toFixed(1)} s\n`);
    io.stdout.write(`Fingerprint: ${m.fingerprint}\n`);
  }
  if (validation) printReport(io, validation);
  if (logins.length > 0) {
    io.stdout.write('Development logins:\n');
    for (const login of logins) io.stdout.write(`  ${login.name.padEnd(28)} ${login.password.padEnd(26)} ${login.tenant ? `(tenant ${login.tenant})` : ''}\n`);
  }
  if (embedded) io.stdout.write('The embedded server keeps this data. `npx tenantseed db start` runs it for your application and prints its URL.\n');
}

function datasetCommand(io: CliIO, name: 'seed' | 'reset', setExitCode: (code: number) => void = () => undefined): CommandModule<object, SeedArgs> {
  return {
    command: name,
    describe: name === 'seed'
      ? 'Load the dataset of an environment into a migrated database (one transaction)'
      : 'Drop, migrate (absorbing legacy rows), seed and validate: all or nothing (one transaction, or a scratch database swapped in)',
    builder: (yargs: Argv) =>
      withDatasetOptions(yargs)
        .option('yes', { type: 'boolean', describe: name === 'reset'
          ? 'Confirm destroying a database that holds rows and is not stamped as this (unprotected) environment'
          : 'Confirm a database stamped as another environment' })

        .option('lock-wait', { type: 'string', coerce: single('--lock-wait'), describe: 'Seconds to wait for locks (another seed or reset, the tables) before giving up, changing nothing (default 30)' })
        .option('json', { type: 'boolean', describe: 'Machine-readable summary on stdout' })
        .option('quiet', { type: 'boolean', describe: 'No progress on stderr (the summary is still printed)' })
        .option('report', { type: 'string', coerce: single('--report'), describe: 'Validate and write the report to this file: .html (default), .xml (JUnit) or .json' })
        .options(name === 'reset' ? {
          'allow-skip': { type: 'boolean', describe: 'Let validation checks that cannot run (one tenant only, say) pass' },
          revalidate: { type: 'boolean', describe: 'Validate a copy of a cached state even when its stored validation stands (same data, settings, roles and tenantseed)' },
        } : {}) as unknown as Argv<SeedArgs>,
    handler: async (args) => {
      refuseProduction(name, args.env);
      // reset compiles the definitions only if it makes rows: a cached seeded state was made by these same ones.
      const { plan, project } = planFromArgs(args, { schemaCheck: name === 'reset' ? 'later' : 'now' });
      const lockWait = parseSeconds('--lock-wait', args.lockWait);
      // Reset loads the legacy rows too; seed the tenant dataset only.
      const tables = name === 'reset' ? [...plan.legacyTables, ...plan.tables] : plan.tables;
      const progress = progressDisplay(io, { off: Boolean(args.quiet || args.json), planRows: tables.reduce((sum, t) => sum + t.rowCount(), 0) });
      progress.update({ phase: 'connect', rowsDone: 0, totalRows: 0 });
      try {
        await withDatabase(args, progress.around(io), name, project, async ({ knex, logger, db, notices }) => {
          const validate = (on: typeof knex) => {
            progress.update({ phase: 'validation', rowsDone: 0, totalRows: 0 });
            return validateDatabase({
              knex: on, definitions: plan.definitions, schemas: project.schemas, tenancy: project.tenancy, allowSkip: args.allowSkip, accept: project.validate?.accept, shared: project.validate?.shared,
              describe: { database: db.description, environment: plan.profile.name, now: new Date() },
            });
          };
          let validation: ValidationReport | undefined;
          // reset = drop, migrate, seed, then prove it: the validation runs on what was committed,
          // under the seed lock still, so a concurrent reset cannot change it midway. The swap path
          // validates the new database before it replaces the previous one.
          const whileLocked = name === 'reset' || args.report ? async () => { validation = await validate(knex); } : undefined;
          const options = { knex, plan, project, strict: args.strict, yes: args.yes, confirm: terminalConfirm(io), logger, onProgress: progress.update, lockWaitMs: lockWait === undefined ? undefined : lockWait * 1000, whileLocked };
          // The swap path's previous database is dropped by a process of its own, off the command's
          // time; not on an embedded server this command started (it stops with the command).
          const outcome: SeedOutcome = name === 'seed'
            ? await seedDatabase(options)
            : await resetDatabase({
              ...options, path: resetPathFromEnvironment(), validate: (built) => validate(built), dropPrevious: db.embedded ? 'wait' : 'later',
              // What validate depends on besides the database: a cached state's proof stands only under the same.
              proofKey: args.revalidate ? undefined : JSON.stringify({ allowSkip: args.allowSkip === true, accept: project.validate?.accept ?? [], shared: project.validate?.shared ?? [] }),
            });
          const previous = (outcome as ResetOutcome).previous;
          if (previous) logger.info(`Reset: dropping the previous database, renamed ${previous.database}, in the background (process ${dropPreviousLater(previous) ?? 'not started'}); if that fails, the next reset drops it`);
          for (const notice of outcome.notices) notices.add(notice);
          validation = (outcome as ResetOutcome).validation ?? validation;
          // A reused proof describes the database this command names, as a fresh one would.
          if (validation?.reused && validation.context) validation = { ...validation, context: { ...validation.context, database: db.description } };
          progress.finish();
          if (validation && args.report) logger.info(`Wrote the report to ${writeReportFile(args.report, validation, formatOfFile(args.report))}`);
          report(io, plan, outcome, name, args.json ? notices : undefined, db.embedded, projectLabel(project), validation);
          if (validation && !validation.ok) setExitCode(EXIT.failed);
        });
      } finally {
        progress.stop();
      }
    },
  };
}

/** `tenantseed seed --env ENV [--seed N] [--tenants N]` */
export const seedCommand = (io: CliIO, setExitCode: (code: number) => void) => datasetCommand(io, 'seed', setExitCode);
/** `tenantseed reset --env ENV [--yes]` */
export const resetCommand = (io: CliIO, setExitCode: (code: number) => void) => datasetCommand(io, 'reset', setExitCode);
