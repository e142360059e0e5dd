import type { Argv, CommandModule } from 'yargs';
import { resolveDatabaseSource } from '../../config';
import { openDatabase } from '../../db';
import { pruneTestDatabases } from '../../testing';
import { CliIO, stderrLogger } from '../output';
import { parseWholeNumber } from '../dataset-options';
import { DatabaseArgs } from '../with-database';
import { createSystemUser } from '../system-user';
import type { CommandHelp } from '../command-help';

interface PruneArgs extends DatabaseArgs {
  olderThan?: string;
  all?: boolean;
}

function pruneCommand(io: CliIO, help: CommandHelp): CommandModule<object, PruneArgs> {
  return {
    command: 'prune',
    describe: 'Drop test templates, pooled clones and leftover test databases that tenantseed made',
    builder: (yargs: Argv) =>
      help(yargs, 'test-db prune')
        .option('older-than', { type: 'string', describe: 'Minutes: drop templates and pools of other keys older than this (default 10)' })
        .option('all', { type: 'boolean', describe: 'Drop every database the testing API marked, in use or not' }) as unknown as Argv<PruneArgs>,
    handler: async (args) => {
      const minutes = parseWholeNumber('--older-than', args.olderThan, 0);
      const logger = stderrLogger(io);
      const db = await openDatabase(resolveDatabaseSource({ databaseUrl: args.databaseUrl }), { logger, createSystemUser });
      try {
        logger.info(`Server: ${db.description}`);
        const dropped = await pruneTestDatabases(db.target, { all: args.all, olderThanMs: minutes === undefined ? undefined : minutes * 60_000 });
        for (const name of dropped) io.stdout.write(`  dropped ${name}\n`);
        io.stdout.write(`Dropped ${dropped.length} test database(s); only databases the testing API named and marked are touched.\n`);
      } finally {
        await db.release();
      }
    },
  };
}

/** `tenantseed test-db prune [--older-than MINUTES] [--all]` */
export function testDbCommand(io: CliIO, help: CommandHelp = (y) => y): CommandModule {
  return {
    command: 'test-db <command>',
    describe: 'Manage the testing API\'s databases on a server',
    builder: (yargs: Argv) => yargs.command(pruneCommand(io, help)).demandCommand(1, 'Name a test-db command: prune.'),
    handler: () => undefined,
  };
}
