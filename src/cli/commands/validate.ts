import type { Argv, CommandModule } from 'yargs';
import { assertEnvironmentName } from '../../config';
import { readEnvironmentStamp } from '../../db';
import { loadDefinitions, loadProfile } from '../../definitions';
import { CHECK_NAMES, validateDatabase } from '../../validate';
import { EXIT } from '../exit-codes';
import { CliIO } from '../output';
import { ProjectArgs, projectFromArgs, single, withFolderOptions } from '../dataset-options';
import { printReport } from '../print-report';
import { renderReport } from '../../report';
import { writeReportFile } from '../write-report';
import { UsageError } from '../../errors';
import { DatabaseArgs, projectLabel, withDatabase } from '../with-database';

interface ValidateArgs extends DatabaseArgs, ProjectArgs {
  env: string;
  check?: string;
  json?: boolean;
  allowSkip?: boolean;
  reporter?: 'text' | 'json' | 'junit' | 'html';
  output?: string;
}

/** `tenantseed validate --env ENV [--check NAME] [--json | --reporter FORMAT [--output FILE]]` */
export function validateCommand(io: CliIO, setExitCode: (code: number) => void): CommandModule<object, ValidateArgs> {
  return {
    command: 'validate',
    describe: 'Prove a database right: schema, row counts, foreign keys, tenant consistency, isolation, legacy absorption, JSON',
    builder: (yargs: Argv) =>
      withFolderOptions(yargs)
        .option('env', { type: 'string', demandOption: true, coerce: single('--env'), describe: 'Environment the database should be' })
        .option('check', { choices: CHECK_NAMES, describe: 'Run one check only' })
        .option('json', { type: 'boolean', describe: 'Machine-readable report on stdout (the same as --reporter json)' })
        .option('reporter', { choices: ['text', 'json', 'junit', 'html'] as const, describe: 'Report format: text, json, junit (CI systems) or html (one page for people)' })
        .option('output', { type: 'string', coerce: single('--output'), describe: 'Write the report to this file (text still goes to stdout); default: stdout' })
        .option('allow-skip', { type: 'boolean', describe: 'Let checks that cannot run (no manifest, one tenant) pass; by default they fail' }) as unknown as Argv<ValidateArgs>,
    handler: async (args) => {
      const env = assertEnvironmentName(args.env);
      const project = projectFromArgs(args);
      loadProfile(project.environments, env);
      const definitions = loadDefinitions(project.definitions);
      const reporter = args.reporter ?? (args.json ? 'json' : 'text');
      if (args.json && args.reporter && args.reporter !== 'json') throw new UsageError(`--json and --reporter ${args.reporter} ask for two formats`, { hint: 'Give one of them.' });
      if (args.output && reporter === 'text') throw new UsageError('--output needs --reporter json, junit or html', { hint: 'For example: --reporter junit --output validation.xml' });
      await withDatabase(args, io, 'validate', project, async ({ knex, logger, db, notices }) => {
        const stamp = await readEnvironmentStamp(knex);
        if (stamp && stamp.environment !== env) logger.warn(`the database is stamped "${stamp.environment}", not "${env}"`);
        const report = await validateDatabase({
          knex, definitions, checks: args.check ? [args.check] : undefined, schemas: project.schemas, tenancy: project.tenancy, allowSkip: args.allowSkip, accept: project.validate?.accept, shared: project.validate?.shared,
          describe: { database: db.description, environment: env, now: new Date() },
        });
        if (reporter === 'text') printReport(io, report);
        else if (!args.output && reporter === 'json') io.stdout.write(JSON.stringify({ project: projectLabel(project), ...report, notices: notices.list }) + '\n');
        else if (!args.output) io.stdout.write(renderReport(report, reporter));
        else {
          printReport(io, report);
          logger.info(`Wrote the ${reporter} report to ${writeReportFile(args.output, report, reporter)}`);
        }
        if (!report.ok) setExitCode(EXIT.failed);
      });
    },
  };
}
