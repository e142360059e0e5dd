import type { Argv, CommandModule } from 'yargs';
import { resolveDatabaseSource } from '../../config';
import { openDatabase } from '../../db';
import { pruneTestDatabases } from '../../testing';
import { CliIO, stderrLogger } from '../output';
import { parseWholeNumber } from '../dataset-options';
import { DatabaseArgs } from '../with-database';
import { createSystemUser } from '../system-user';
import { terminalConfirm } from '../confirm';
import { SafetyError } from '../../errors';
import type { CommandHelp } from '../command-help';

interface PruneArgs extends DatabaseArgs {
  olderThan?: string;
  all?: boolean;
  yes?: boolean;
}

function pruneCommand(io: CliIO, help: CommandHelp): CommandModule<object, PruneArgs> {
  return {
    command: 'prune',
    describe: 'Drop test templates, pooled clones and leftover test databases that tenantseed made',
    builder: (yargs: Argv) =>
      help(yargs, 'test-db prune')
        .option('older-than', { type: 'string', describe: 'Minutes: drop templates and pools of other keys older than this (default 10)' })
        .option('all', { type: 'boolean', describe: 'Drop every database the testing API marked, in use or not (asks first, or needs --yes)' })
        .option('yes', { type: 'boolean', describe: 'Confirm --all without being asked' }) as unknown as Argv<PruneArgs>,
    handler: async (args) => {
      const minutes = parseWholeNumber('--older-than', args.olderThan, 0);
      const logger = stderrLogger(io);
      const db = await openDatabase(resolveDatabaseSource({ databaseUrl: args.databaseUrl }), { logger, createSystemUser });
      try {
        logger.info(`Server: ${db.description}`);
        const olderThanMs = minutes === undefined ? undefined : minutes * 60_000;
        const only = args.all ? await confirmAll(io, await pruneTestDatabases(db.target, { all: true, dryRun: true }), args.yes) : undefined;
        const dropped = await pruneTestDatabases(db.target, { all: args.all, olderThanMs, only });
        for (const name of dropped) io.stdout.write(`  dropped ${name}\n`);
        io.stdout.write(`Dropped ${dropped.length} test database(s); only databases the testing API named and marked are touched.\n`);
      } finally {
        await db.release();
      }
    },
  };
}

/**
 * `--all` drops databases that runs are using: it lists them and asks, or needs `--yes` where
 * there is no terminal. Resolves to the names confirmed.
 */
async function confirmAll(io: CliIO, names: string[], yes: boolean | undefined): Promise<string[]> {
  if (yes || names.length === 0) return names;
  const listed = `${names.slice(0, 20).map((n) => `  ${n}`).join('\n')}${names.length > 20 ? `\n  ... and ${names.length - 20} more` : ''}`;
  const confirm = terminalConfirm(io);
  if (!confirm) {
    throw new SafetyError(`Refusing test-db prune --all without --yes: it drops every database the testing API marked, in use by a running test or not (${names.length} on this server):\n${listed}`, {
      hint: 'Pass --yes to drop them all, or leave out --all to drop only what no run is using. Nothing was dropped.',
    });
  }
  const answer = (await confirm(`test-db prune --all drops ${names.length} database(s), in use or not:\n${listed}\nType "drop" to go on: `)).trim();
  if (answer !== 'drop') throw new SafetyError(`Not confirmed (typed "${answer}", not "drop")`, { hint: 'Nothing was dropped.' });
  return names;
}

/** `tenantseed test-db prune [--older-than MINUTES] [--all [--yes]]` */
export function testDbCommand(io: CliIO, help: CommandHelp = (y) => y): CommandModule {
  return {
    command: 'test-db <command>',
    describe: 'Manage the testing API\'s databases on a server',
    builder: (yargs: Argv) => yargs.command(pruneCommand(io, help)).demandCommand(1, 'Name a test-db command: prune.'),
    handler: () => undefined,
  };
}
