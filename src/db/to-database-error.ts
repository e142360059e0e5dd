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

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Errors of a connection that was up and went away. */
const LOST_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * Maps an error from pg or knex to a TenantseedError that names the table, constraint or
 * server involved and says what to do. Errors that already are TenantseedErrors pass through.
 *
 * @example
 * try { await knex('users').insert(row); } catch (err) { throw toDatabaseError(err, target); }
 */
export function toDatabaseError(err: unknown, target?: DatabaseTarget): TenantseedError {
  if (err instanceof TenantseedError) return err;
  const e = (err ?? {}) as PgErrorFields;
  const where = target ? `${target.host}:${target.port}` : 'the database server';
  const message = e.message ?? String(err);
  if ((e.code && CONNECTION_CODES.has(e.code)) || /timeout expired|Connection terminated due to connection timeout/i.test(message)) {
    return new ConnectionError(`Cannot connect to PostgreSQL at ${where} (${e.code ?? 'timeout'})`, {
      hint: 'Check that the server runs and accepts TCP connections there, and the host and port in --database-url or DATABASE_URL.',
      host: target?.host,
      port: target?.port,
      cause: err,
    });
  }
  if ((e.code && LOST_CODES.has(e.code)) || /Connection terminated|connection error and is not queryable|terminating connection/i.test(message)) {
    return new ConnectionError(`The connection to PostgreSQL at ${where} was lost (the server ended the session, or the network failed)`, {
      hint: 'Nothing was committed: the transaction died with the connection. Run the command again.',
      host: target?.host,
      port: target?.port,
      cause: err,
    });
  }
  switch (e.code) {
    case '28P01':
    case '28000':
      return new ConnectionError(`PostgreSQL at ${where} refused the login of "${target?.user ?? '?'}": ${message}`, {
        hint: 'Check the user and password in --database-url or DATABASE_URL.', host: target?.host, port: target?.port, cause: err,
      });
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
