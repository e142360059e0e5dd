import type { Argv, CommandModule } from 'yargs';
import { assertEnvironmentName } from '../../config';
import { MigrateAction, MigrateResult, writeEnvironmentStamp } from '../../db';
import { definitionsIfAny, isProtectedEnvironment, migrateProject } from '../../workflows';
import { terminalConfirm } from '../confirm';
import { UsageError } from '../../errors';
import { CliIO } from '../output';
import { ProjectArgs, projectFromArgs } from '../dataset-options';
import { DatabaseArgs, projectLabel, withDatabase } from '../with-database';

interface MigrateArgs extends DatabaseArgs, ProjectArgs {
  action: 'latest' | 'up' | 'down' | 'rollback' | 'status';
  all?: boolean;
  env?: string;
  yes?: boolean;
  json?: boolean;
}

function toAction(args: MigrateArgs): MigrateAction {
  if (args.action === 'rollback') {
    if (!args.all) throw new UsageError('migrate rollback needs --all', { hint: 'Run `tenantseed migrate rollback --all` to revert every migration, or `migrate down` to revert the last one.' });
    return 'rollback-all';
  }
  if (args.all) throw new UsageError(`--all only goes with migrate rollback, not migrate ${args.action}`);
  return args.action;
}

function printResult(io: CliIO, result: MigrateResult): void {
  const verb = result.action === 'down' || result.action === 'rollback-all' ? 'Reverted' : 'Applied';
  if (result.action !== 'status') {
    io.stdout.write(result.ran.length === 0 ? 'Nothing to do: already there.\n' : `${verb} ${result.ran.length} migration(s):\n${result.ran.map((n) => `  ${n}\n`).join('')}`);
  }
  if (result.action === 'status') {
    for (const name of result.applied) io.stdout.write(`  applied  ${name}\n`);
    for (const name of result.pending) io.stdout.write(`  pending  ${name}\n`);
  }
  io.stdout.write(`${result.applied.length} applied, ${result.pending.length} pending\n`);
}

/** `tenantseed migrate [latest | up | down | rollback --all | status]` */
export function migrateCommand(io: CliIO): CommandModule<object, MigrateArgs> {
  return {
    command: 'migrate [action]',
    describe: 'Run the schema migrations (Knex)',
    builder: (yargs: Argv) =>
      yargs
        .positional('action', {
          describe: 'latest: apply all pending; up/down: one step; rollback --all: revert all; status: list',
          choices: ['latest', 'up', 'down', 'rollback', 'status'] as const,
          default: 'latest' as const,
        })
        .option('all', { type: 'boolean', describe: 'With rollback: revert every migration' })
        .option('env', { type: 'string', describe: 'The environment the database is (recorded by latest and up; checked against the stamp by down and rollback)' })
        .option('yes', { type: 'boolean', describe: 'Confirm down or rollback on a database with rows that is not stamped as --env' })
        .option('json', { type: 'boolean', describe: 'Machine-readable output' }) as unknown as Argv<MigrateArgs>,
    handler: async (args) => {
      const action = toAction(args);
      const env = args.env === undefined ? undefined : assertEnvironmentName(args.env);
      const project = projectFromArgs(args);
      const directory = project.migrations;
      if (!directory) {
        throw new UsageError(`${project.file} names no "migrations": tenantseed does not own this schema, so it does not migrate it`, {
          hint: 'Migrate with the tool that owns the schema (Prisma, Alembic, ...), or add "migrations" to the config.',
        });
      }
      await withDatabase(args, io, 'migrate', project, async ({ knex, logger, notices: printed }) => {
        const { result, notices } = await migrateProject({
          knex,
          project: { ...project, migrations: directory },
          action,
          environment: env,
          protected: env === undefined || isProtectedEnvironment(project, env),
          definitions: definitionsIfAny(project),
          yes: args.yes,
          confirm: terminalConfirm(io),
          onLockWait: (holder) => logger.info(`Waiting for another migration to finish: ${holder}`),
          onNotice: (message) => logger.info(message),
        });
        for (const notice of notices) printed.add(notice);
        if (env !== undefined && action !== 'status') await writeEnvironmentStamp(knex, env, `migrate ${args.action}`);
        if (args.json) io.stdout.write(JSON.stringify({ project: projectLabel(project), ...result, notices: printed.list }) + '\n');
        else printResult(io, result);
      });
    },
  };
}
