import { UsageError } from '../errors';

/** A PostgreSQL connection URL, parsed, with the parts that are safe to print. */
export interface DatabaseTarget {
  /** The full URL, password included: never print it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

/**
 * Parses a PostgreSQL URL, refusing anything that is not `postgres://` or `postgresql://`.
 *
 * @param origin where the URL came from (`--database-url`, `DATABASE_URL`), named in errors.
 * @example
 * parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/app', '--database-url').port // 5432
 */
export function parseDatabaseUrl(url: string, origin: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${origin} is not a valid URL: ${redactUrl(url)}`, {
      hint: 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
    });
  }
  if (!PROTOCOLS.has(parsed.protocol)) {
    throw new UsageError(`${origin} must start with postgres:// or postgresql://, not ${parsed.protocol}//`, {
      hint: 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
    });
  }
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(parsed.username);
  return Object.freeze({
    url,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port,
    database: database || user || 'postgres',
    user: user || 'postgres',
  });
}

/**
 * A one-line description of a database that never contains the password.
 *
 * @example
 * describeDatabase(parseDatabaseUrl('postgres://u:secret@db:5433/app', 'x')) // 'app on db:5433 as u'
 */
export function describeDatabase(target: DatabaseTarget): string {
  return `${target.database} on ${target.host}:${target.port} as ${target.user}`;
}

/** The URL with any password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@/]*@/i, '$1***@');
}
