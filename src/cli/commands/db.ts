import type { Argv, CommandModule } from 'yargs';
import { describeDatabase, EMBEDDED_DIR_NAME } from '../../config';
import { embeddedServerStatus, embeddedServerTarget, startEmbeddedServer, stopEmbeddedServer } from '../../db';
import { TenantseedError } from '../../errors';
import { CliIO, stderrLogger } from '../output';
import { createSystemUser } from '../system-user';
import path from 'node:path';

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

interface DbArgs {
  action: 'start' | 'stop' | 'url';
}

/** `tenantseed db start | stop | url`: the embedded PostgreSQL server. */
export function dbCommand(io: CliIO): CommandModule<object, DbArgs> {
  return {
    command: 'db <action>',
    describe: `Manage the embedded PostgreSQL server (data in ${EMBEDDED_DIR_NAME}/)`,
    builder: (yargs: Argv) =>
      yargs.positional('action', {
        describe: 'start: start it and leave it running; stop: stop it; url: print its URL',
        choices: ['start', 'stop', 'url'] as const,
        demandOption: true,
      }) as unknown as Argv<DbArgs>,
    handler: async (args) => {
      const dataDir = path.resolve(EMBEDDED_DIR_NAME);
      const logger = stderrLogger(io);
      switch (args.action) {
        case 'start': {
          const server = await startEmbeddedServer({ dataDir, logger, createSystemUser });
          const status = embeddedServerStatus(dataDir);
          logger.info(`${server.startedHere ? 'Started' : 'Already running:'} embedded PostgreSQL, ${describeDatabase(server.target)}; log in ${displayPath(status.logFile)}`);
          logger.info('It keeps running until `tenantseed db stop`. Its URL:');
          io.stdout.write(`${server.target.url}\n`);
          break;
        }
        case 'stop': {
          const stopped = await stopEmbeddedServer({ dataDir, logger });
          logger.info(stopped ? 'Stopped the embedded PostgreSQL.' : 'The embedded PostgreSQL was not running.');
          break;
        }
        case 'url': {
          const target = embeddedServerTarget(dataDir);
          if (!target) {
            throw new TenantseedError(`The embedded PostgreSQL (${dataDir}) is not running`, { hint: 'Start it with `tenantseed db start`.' });
          }
          io.stdout.write(`${target.url}\n`);
          break;
        }
      }
    },
  };
}
