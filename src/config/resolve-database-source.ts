import path from 'node:path';
import { parseDatabaseUrl, DatabaseTarget } from './database-url';

/** Where the database of a command comes from, in the order they are tried. */
export type DatabaseSource =
  | { readonly kind: 'url'; readonly origin: '--database-url' | 'DATABASE_URL'; readonly target: DatabaseTarget }
  | { readonly kind: 'embedded'; readonly dataDir: string };

/** Options of {@link resolveDatabaseSource}. */
export interface ResolveDatabaseSourceOptions {
  /** The `--database-url` flag, if given. */
  databaseUrl?: string;
  /** The environment variables to read `DATABASE_URL` from. */
  env?: NodeJS.ProcessEnv;
  /** The working folder; the embedded server keeps its data in `.tenantseed/` below it. */
  cwd?: string;
}

/** The folder, below the working folder, where the embedded server keeps its data and state. */
export const EMBEDDED_DIR_NAME = '.tenantseed';

/**
 * Decides which database a command uses: `--database-url`, else `DATABASE_URL`, else the
 * embedded PostgreSQL whose data lives in `.tenantseed/` in the working folder.
 * It only decides; connecting (and starting the embedded server) is `src/db`'s job.
 *
 * @example
 * resolveDatabaseSource({ env: { DATABASE_URL: 'postgres://localhost/app' } }).kind // 'url'
 */
export function resolveDatabaseSource(options: ResolveDatabaseSourceOptions = {}): DatabaseSource {
  const env = options.env ?? process.env;
  if (options.databaseUrl !== undefined) {
    return { kind: 'url', origin: '--database-url', target: parseDatabaseUrl(options.databaseUrl, '--database-url') };
  }
  const fromEnv = env.DATABASE_URL;
  if (fromEnv !== undefined && fromEnv !== '') {
    return { kind: 'url', origin: 'DATABASE_URL', target: parseDatabaseUrl(fromEnv, 'DATABASE_URL') };
  }
  return { kind: 'embedded', dataDir: path.resolve(options.cwd ?? process.cwd(), EMBEDDED_DIR_NAME) };
}
