import type { Knex } from 'knex';
import pg from 'pg';
import { DatabaseTarget, Logger, ProjectConfig, resolveDatabaseSource } from '../config';
import { createKnex, openDatabase, OpenedDatabase, toDatabaseError } from '../db';
import { CliIO, printError, stderrLogger } from './output';
import { Notices } from './notices';
import { createSystemUser } from './system-user';
import { assertShippedSchemaFits } from '../workflows';

/** Commands that write to the database: refused on a foreign schema without a project config. */
const WRITING_COMMANDS = new Set(['seed', 'reset', 'migrate', 'tenant add', 'distribute']);

/** Which project a command runs, as the first line says it and `--json` gives it. */
export function projectLabel(project: ProjectConfig): string {
  return project.file ?? 'the shipped reference schema';
}

async function terminateSessions(target: DatabaseTarget, applicationName: string): Promise<void> {
  const client = new pg.Client({ connectionString: target.url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName]);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Flags every database command takes. */
export interface DatabaseArgs {
  databaseUrl?: string;
}

/** What a database command's body is handed. */
export interface DatabaseContext {
  knex: Knex;
  db: OpenedDatabase;
  logger: Logger;
  /** Bypasses, notices and warnings: printed on stderr, and kept for a `--json` summary. */
  notices: Notices;
}

/**
 * Resolves and opens the command's database, says which one on stderr (and the project's
 * config file, if any), runs `body` with the project's schemas as the search_path, and
 * always cleans up: the pool is closed and an embedded server started for this command is
 * stopped, also on Ctrl-C (open transactions die with their connections, so PostgreSQL rolls
 * them back).
 */
export async function withDatabase<T>(
  args: DatabaseArgs,
  io: CliIO,
  command: string,
  project: ProjectConfig,
  body: (context: DatabaseContext) => Promise<T>,
): Promise<T> {
  const notices = new Notices(io);
  const logger = notices.logger(stderrLogger(io));
  // introspect without a config reads the team's schema to draft one: no project runs yet.
  logger.info(`Project: ${command === 'introspect' && !project.file ? 'none yet (introspect drafts tenantseed.config.json here)' : projectLabel(project)}`);
  const source = resolveDatabaseSource({ databaseUrl: args.databaseUrl });
  const db = await openDatabase(source, { logger, createSystemUser });
  logger.info(`Database: ${db.description}`);
  // The process id in the session name lets Ctrl-C end exactly this command's sessions.
  const applicationName = `tenantseed ${command} [${process.pid}]`;
  const knex = createKnex(db.target, { applicationName, searchPath: project.schemas });
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    io.stderr.write(`\n${signal}: stopping; the open transaction is rolled back, nothing is committed.\n`);
    // Closing the pool would wait for the running transaction to finish (and commit): end
    // our sessions on the server instead, which rolls their transactions back at once.
    void terminateSessions(db.target, applicationName)
      .then(() => db.release())
      .catch((err) => printError(io, err))
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (WRITING_COMMANDS.has(command)) await assertShippedSchemaFits({ knex, project, command, embedded: db.embedded, cwd: process.cwd() });
    return await body({ knex, db, logger, notices });
  } catch (err) {
    throw toDatabaseError(err, db.target);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!interrupted) {
      await knex.destroy().catch(() => undefined);
      await db.release();
    }
  }
}
