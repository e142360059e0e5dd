import { spawn } from 'node:child_process';
import { parseDatabaseUrl } from '../config';
import { dropPreviousDatabase, ResetOutcome } from '../workflows';

/** How the command hands the detached process its work (the environment: a URL's password never shows in `ps`). */
const SERVER_VARIABLE = 'TENANTSEED_DROP_PREVIOUS_SERVER';
const DATABASE_VARIABLE = 'TENANTSEED_DROP_PREVIOUS_DATABASE';

/**
 * Drops the previous database that reset swapped away in a detached process of its own, so the
 * command returns without waiting for DROP DATABASE (which waits for a checkpoint of the whole
 * server). That process waits until the command's session has ended (it holds the name's lock),
 * then drops it; if it fails or is killed, the next reset drops the leftover (it is marked, and
 * its lock is free). Returns the process id, to name it in the output.
 */
export function dropPreviousLater(previous: NonNullable<ResetOutcome['previous']>): number | undefined {
  const child = spawn(process.execPath, [__filename], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [SERVER_VARIABLE]: previous.server.url, [DATABASE_VARIABLE]: previous.database },
  });
  child.on('error', () => undefined);
  child.unref();
  return child.pid;
}

// The detached process: `node drop-previous-later.js`, given its work in the environment.
if (require.main === module) {
  const url = process.env[SERVER_VARIABLE];
  const database = process.env[DATABASE_VARIABLE];
  if (url && database) {
    dropPreviousDatabase(parseDatabaseUrl(url, SERVER_VARIABLE), database).then(
      () => undefined,
      () => {
        process.exitCode = 1;
      },
    );
  }
}
