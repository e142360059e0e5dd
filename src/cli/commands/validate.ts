import type { Argv, CommandModule } from 'yargs';
import { assertEnvironmentName } from '../../config';
import { readEnvironmentStamp } from '../../db';
import { loadDefinitions, loadProfile } from '../../definitions';
import { CHECK_NAMES, validateDatabase } from '../../validate';
import { EXIT } from '../exit-codes';
import { CliIO } from '../output';
import { ProjectArgs, projectFromArgs, single, withFolderOptions } from '../dataset-options';
import { printReport } from '../print-report';
import { DatabaseArgs, withDatabase } from '../with-database';

interface ValidateArgs extends DatabaseArgs, ProjectArgs {
  env: string;
  check?: string;
  json?: boolean;
  allowSkip?: boolean;
}

/** `tenantseed validate --env ENV [--check NAME] [--json]` */
export function validateCommand(io: CliIO, setExitCode: (code: number) => void): CommandModule<object, ValidateArgs> {
  return {
    command: 'validate',
    describe: 'Prove a database right: schema, row counts, foreign keys, tenant consistency, isolation, legacy absorption, JSON',
    builder: (yargs: Argv) =>
      withFolderOptions(yargs)
        .option('env', { type: 'string', demandOption: true, coerce: single('--env'), describe: 'Environment the database should be' })
        .option('check', { choices: CHECK_NAMES, describe: 'Run one check only' })
        .option('json', { type: 'boolean', describe: 'Machine-readable report on stdout' })
        .option('allow-skip', { type: 'boolean', describe: 'Let checks that cannot run (no manifest, one tenant) pass; by default they fail' }) as unknown as Argv<ValidateArgs>,
    handler: async (args) => {
      const env = assertEnvironmentName(args.env);
      const project = projectFromArgs(args);
      loadProfile(project.environments, env);
      const definitions = loadDefinitions(project.definitions);
      await withDatabase(args, io, 'validate', project, async ({ knex, logger }) => {
        const stamp = await readEnvironmentStamp(knex);
        if (stamp && stamp.environment !== env) logger.warn(`the database is stamped "${stamp.environment}", not "${env}"`);
        const report = await validateDatabase({ knex, definitions, checks: args.check ? [args.check] : undefined, schemas: project.schemas, tenancy: project.tenancy, allowSkip: args.allowSkip });
        if (args.json) io.stdout.write(JSON.stringify(report) + '\n');
        else printReport(io, report);
        if (!report.ok) setExitCode(EXIT.failed);
      });
    },
  };
}
