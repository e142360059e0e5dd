import { ConnectionError, DatabaseError, TenantseedError } from '../errors';
import type { DatabaseTarget } from '../config';

interface PgErrorFields {
  code?: string;
  table?: string;
  constraint?: string;
  detail?: string;
  message?: string;
  address?: string;
  port?: number;
}

/** Node's codes of a TCP connection that could not be made, by what the user should hear. */
const REFUSED_CODES = new Set(['ECONNREFUSED']);
const NOT_FOUND_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL']);
const UNREACHABLE_CODES = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL']);
/** Errors of a connection that was up and went away. */
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);
/** node-postgres's own messages for a connect that got no answer in time (pg, pg-pool). */
const TIMEOUT = /timeout expired|Connection terminated due to connection timeout|timeout exceeded when trying to connect/i;
/** TLS failures: pg's messages, and Node's TLS and certificate error codes. */
const TLS_MESSAGE = /SSL|TLS|certificate|self[- ]signed/i;
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|EPROTO$|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|UNABLE_TO_|CERT_|HOSTNAME_MISMATCH$)/;
/** Authentication failures that node-postgres raises itself, before the server says anything (no password given, SCRAM). */
const CLIENT_AUTH_MESSAGE = /^SASL:|password must be a string|password must be a non-empty string|no password/i;

/** Options of {@link toDatabaseError}. */
export interface ToDatabaseErrorOptions {
  /**
   * The error ended an attempt to connect: a connection closed now was never up, so it was
   * not "lost" (and running the command again will not help).
   */
  connecting?: boolean;
}

function connectionError(message: string, hint: string, target: DatabaseTarget | undefined, cause: unknown): ConnectionError {
  return new ConnectionError(message, { hint, host: target?.host, port: target?.port, cause });
}

/**
 * Says which of refused, not found, unreachable, timed out, TLS, authentication or lost a
 * connection failure was, or undefined when the error is not one.
 */
function connectionFailure(err: unknown, target: DatabaseTarget | undefined, options: ToDatabaseErrorOptions): ConnectionError | undefined {
  const e = (err ?? {}) as PgErrorFields;
  const where = target ? `${target.host}:${target.port}` : 'the database server';
  const cannot = `Cannot connect to PostgreSQL at ${where}`;
  const message = e.message ?? String(err);
  const urlHint = 'the host and port in --database-url or DATABASE_URL';
  if (e.code && REFUSED_CODES.has(e.code)) {
    return connectionError(`${cannot}: the connection was refused (${e.code}): no server listens there`,
      `Check that the server runs and accepts TCP connections on that port, and ${urlHint}.`, target, err);
  }
  if (e.code && NOT_FOUND_CODES.has(e.code)) {
    return connectionError(`${cannot}: the host name was not found (${e.code})`, 'Check the host name in --database-url or DATABASE_URL, and the DNS.', target, err);
  }
  if (e.code && UNREACHABLE_CODES.has(e.code)) {
    return connectionError(`${cannot}: the network cannot reach that host (${e.code})`, `Check ${urlHint}, the network and any VPN.`, target, err);
  }
  if (e.code === 'ETIMEDOUT' || TIMEOUT.test(message)) {
    return connectionError(`${cannot}: the connection timed out (no answer from the server)`,
      `Check ${urlHint}, a firewall that drops packets, or a server too busy to answer; nothing was changed.`, target, err);
  }
  if ((e.code && TLS_CODE.test(e.code)) || (!e.code && TLS_MESSAGE.test(message) && !/^SASL:/.test(message))) {
    return connectionError(`${cannot}: TLS failed (${message})`,
      'Check sslmode in the URL: sslmode=disable for a server without TLS; for a certificate that Node cannot verify, give its CA with sslrootcert=FILE.', target, err);
  }
  if (e.code === '28P01' || e.code === '28000' || (!e.code && CLIENT_AUTH_MESSAGE.test(message))) {
    const user = target?.user ?? '?';
    const missing = !e.code && /password must be a string|no password/i.test(message);
    return connectionError(
      missing
        ? `PostgreSQL at ${where} asks for a password for "${user}", and none was given (authentication failed)`
        : `PostgreSQL at ${where} refused the login of "${user}" (authentication failed)${e.code ? `: ${message}` : ''}`,
      missing
        ? 'Put the password in the URL (postgres://USER:PASSWORD@HOST/DB, percent-encoded), or in PGPASSWORD or ~/.pgpass.'
        : "Check the user and password in --database-url or DATABASE_URL (or PGPASSWORD, ~/.pgpass), and the server's pg_hba.conf.",
      target, err);
  }
  const closed = (e.code && LOST_CODES.has(e.code)) || /Connection terminated|connection error and is not queryable|terminating connection/i.test(message);
  if (closed && options.connecting) {
    return connectionError(`${cannot}: the server closed the connection during the login, before answering`,
      `Check that ${urlHint} name a PostgreSQL server (not another service), and the server's log (connection limits, pg_hba.conf).`, target, err);
  }
  if (closed) {
    return connectionError(`The connection to PostgreSQL at ${where} was lost (the server ended the session, or the network failed)`,
      'Nothing was committed: the transaction died with the connection. Run the command again.', target, err);
  }
  return undefined;
}

/**
 * Maps an error from pg or knex to a TenantseedError that names the table, constraint or
 * server involved and says what to do. Errors that already are TenantseedErrors pass through.
 * A connection failure says which it was: refused, host not found, unreachable, timed out,
 * TLS, authentication (a wrong or missing password), closed during the login, or lost.
 *
 * @example
 * try { await knex('users').insert(row); } catch (err) { throw toDatabaseError(err, target); }
 */
export function toDatabaseError(err: unknown, target?: DatabaseTarget, options: ToDatabaseErrorOptions = {}): TenantseedError {
  if (err instanceof TenantseedError) return err;
  const e = (err ?? {}) as PgErrorFields;
  const where = target ? `${target.host}:${target.port}` : 'the database server';
  const message = e.message ?? String(err);
  const failure = connectionFailure(err, target, options);
  if (failure) return failure;
  switch (e.code) {
    case '3D000':
      return new ConnectionError(`The database "${target?.database ?? '?'}" does not exist on ${where}`, {
        hint: `Create it (createdb ${target?.database ?? 'NAME'}) or name another one in the URL.`, host: target?.host, port: target?.port, cause: err,
      });
    case '57P01':
    case '57P02':
    case '57P03':
      return new ConnectionError(`PostgreSQL at ${where} ended the connection: ${message}`, {
        hint: 'The server was shut down or the session terminated; nothing was committed. Run the command again.', cause: err,
      });
    case '23503':
    case '23505':
    case '23514':
    case '23502':
      return new DatabaseError(`${message}${e.table ? ` (table ${e.table}` : ''}${e.constraint ? `, constraint ${e.constraint})` : e.table ? ')' : ''}${e.detail ? `: ${e.detail}` : ''}`, {
        hint: 'The data breaks a constraint of the schema; nothing was committed.', table: e.table, constraint: e.constraint, sqlState: e.code, cause: err,
      });
    case '42P01': {
      // Knex puts the statement in front of the server's message: say what is missing, not the SQL.
      const relation = /relation "([^"]+)" does not exist/.exec(message)?.[1];
      return new DatabaseError(`The table ${relation ?? '(unnamed)'} does not exist in the schemas on the search_path`, {
        hint: 'Run the migrations first (tenantseed migrate latest, or your own migration tool), or correct "schemas" in tenantseed.config.json or "x-table" in the definitions.',
        table: relation, sqlState: e.code, cause: err,
      });
    }
    case '42703': {
      const column = /column "?([^"\s]+)"? (of relation "[^"]+" )?does not exist/.exec(message);
      return new DatabaseError(`The column ${column?.[1] ?? '(unnamed)'} does not exist${column?.[2] ? ` in ${column[2].slice(13, -2)}` : ''}`, {
        hint: 'The database is older or newer than the definitions: run the migrations, or correct the definitions.', sqlState: e.code, cause: err,
      });
    }
    case '57014':
      return new DatabaseError(`A statement was cancelled: ${message}`, {
        hint: 'It ran past statement_timeout or was cancelled; nothing was committed.', sqlState: e.code, cause: err,
      });
    case '42501':
      return new DatabaseError(`Permission denied: ${message}`, {
        hint: `Connect as a role with the needed privileges (the URL's user is "${target?.user ?? '?'}").`, sqlState: e.code, cause: err,
      });
    default:
      return new DatabaseError(message, { sqlState: e.code, table: e.table, constraint: e.constraint, cause: err });
  }
}
