import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Knex } from 'knex';
import { BOOKKEEPING_SCHEMA } from '../db';
import type { ValidationReport } from '../validate';
import { hashFolder } from './reset-cache';

/**
 * The proof a seeded state carries into reset's cache: the report of its validation, and what
 * that validation read outside the database. A reset that clones the state (byte for byte: a
 * cache is a template no session may connect to) takes the report instead of validating again,
 * only when all of these are as they were: the caller's validation settings (its key); the roles
 * validation acts as or through (the project's application and admin roles, the roles the run
 * connects as, the owners of the project's relations and functions, whose views and SECURITY
 * DEFINER functions run as them, and every role those belong to, directly or not: their oids,
 * attributes, role-wide settings and memberships); the database's own settings (the target's,
 * adopted by the copy before validation); every setting of the validating session not at its
 * default (the server's configuration, the connection's options and PGOPTIONS, such as
 * row_security), but for a few that decide no row's visibility (timeouts, the client's encoding
 * and time zone, the transaction's mode); the server's version; tenantseed's code and the
 * versions of the libraries and Node it runs on. Anything else validates the copy. A role none
 * of those belongs to (another project's, created or dropped since) changes nothing validation
 * reads.
 */
const PROOF_TABLE = `${BOOKKEEPING_SCHEMA}.reset_proof`;

/** Settings of a session that decide no row's visibility: their values never keep a proof from standing. */
const INERT_SETTINGS = [
  'application_name', 'client_encoding', 'DateStyle', 'IntervalStyle', 'TimeZone', 'extra_float_digits',
  'lock_timeout', 'statement_timeout', 'idle_in_transaction_session_timeout', 'idle_session_timeout',
];

/** What validation read that is not in the database: one digest, compared when the proof is taken. */
const SERVER_STATE_SQL = `
  WITH RECURSIVE seeds AS (
    SELECT oid FROM pg_roles WHERE rolname = ANY(?::text[]) OR rolname = current_user OR rolname = session_user
    UNION SELECT c.relowner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY(?::text[])
    UNION SELECT p.proowner FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = ANY(?::text[])
  ), acting AS (
    SELECT oid FROM seeds
    UNION
    SELECT m.roleid FROM pg_auth_members m JOIN acting a ON m.member = a.oid
  )
  SELECT concat_ws(E'\\n',
    version(), current_user, session_user, array_to_string(?::text[], ','),
    (SELECT string_agg(row_to_json(r)::text, E'\\n' ORDER BY r.oid)
       FROM (SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconfig
               FROM pg_roles WHERE oid IN (SELECT oid FROM acting)) r),
    (SELECT string_agg(row_to_json(m)::text, E'\\n' ORDER BY m.roleid, m.member, m.grantor) FROM pg_auth_members m WHERE m.member IN (SELECT oid FROM acting)),
    (SELECT string_agg(s.setrole::text || ' ' || array_to_string(s.setconfig, ','), E'\\n' ORDER BY s.setrole) FROM pg_db_role_setting s
      WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())),
    (SELECT string_agg(name || '=' || coalesce(setting, ''), E'\\n' ORDER BY name) FROM pg_settings
      WHERE source <> 'default' AND name <> ALL(?::text[]) AND name NOT LIKE 'transaction\\_%')
  ) AS state`;

let codeDigest: string | undefined;

/**
 * tenantseed's code as it runs (the folder of its modules, built or not), and the versions of
 * the libraries validation runs on (ajv checks JSON columns, pg and knex talk to the server) and
 * of Node: a changed validator never reuses an older proof.
 */
function tenantseedCode(): string {
  if (codeDigest === undefined) {
    const hash = createHash('sha256');
    hashFolder(hash, path.resolve(__dirname, '..'));
    for (const library of ['ajv', 'ajv-formats', 'knex', 'pg']) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      hash.update(`${library} ${(require(`${library}/package.json`) as { version: string }).version}\0`);
    }
    hash.update(`node ${process.version}`);
    codeDigest = hash.digest('hex');
  }
  return codeDigest;
}

/** Whose roles and which schemas a proof's digest follows: the project's application and admin roles, and its schemas. */
export interface ProofScope {
  readonly roles: readonly string[];
  readonly schemas: readonly string[];
}

/** The digest of the server's state that a validation acting in `scope` (and as this connection's roles) depends on. */
export async function serverStateDigest(knex: Knex | Knex.Transaction, scope: ProofScope): Promise<string> {
  const roles = [...scope.roles].sort();
  const schemas = [...scope.schemas];
  const state = (await knex.raw(SERVER_STATE_SQL, [roles, schemas, schemas, roles, INERT_SETTINGS])).rows[0].state as string;
  return createHash('sha256').update(tenantseedCode()).update('\0').update(state).digest('hex');
}

/**
 * Writes the proof of a database that validated into its bookkeeping schema, before it is kept
 * as a cache; {@link dropProof} removes it from the database that goes on to be swapped in.
 * `before` is the digest taken before validation ran: when the server's state changed while
 * it ran (a role given BYPASSRLS mid-way), no proof is written, and the next reset validates.
 * Resolves to whether it wrote one.
 */
export async function writeProof(knex: Knex, key: string, scope: ProofScope, report: ValidationReport, before: string): Promise<boolean> {
  if ((await serverStateDigest(knex, scope)) !== before) return false;
  await knex.transaction(async (trx) => {
    await trx.raw(`CREATE TABLE IF NOT EXISTS ${PROOF_TABLE} (key text NOT NULL, server_state text NOT NULL, validated_at timestamptz NOT NULL DEFAULT clock_timestamp(), report jsonb NOT NULL)`);
    await trx.raw(`DELETE FROM ${PROOF_TABLE}`);
    await trx.raw(`INSERT INTO ${PROOF_TABLE} (key, server_state, report) VALUES (?, ?, ?::jsonb)`, [key, before, JSON.stringify(report)]);
  });
  return true;
}

/** Removes the proof table, if any: only a cache keeps one. */
export async function dropProof(knex: Knex | Knex.Transaction): Promise<void> {
  await knex.raw(`DROP TABLE IF EXISTS ${PROOF_TABLE}`);
}

/** A proof taken from a clone: the report to reuse, or why it cannot stand for this copy. */
export type TakenProof = { readonly report: ValidationReport; readonly validatedAt: Date } | { readonly report?: undefined; readonly why: string };

/**
 * Reads the proof of a database cloned from a cache and removes it (the copy goes on to be
 * swapped in without it). Its report stands only when it was made under `key` and the server's
 * state ({@link serverStateDigest}) for `scope` is unchanged.
 */
export async function takeProof(trx: Knex.Transaction, key: string, scope: ProofScope): Promise<TakenProof> {
  const exists = (await trx.raw('SELECT to_regclass(?) AS t', [PROOF_TABLE])).rows[0].t;
  if (!exists) return { why: 'the cached state holds no proof' };
  const rows = (await trx.raw(`SELECT key, server_state, validated_at, report FROM ${PROOF_TABLE}`)).rows as Array<{ key: string; server_state: string; validated_at: Date; report: ValidationReport }>;
  await dropProof(trx);
  const proof = rows[0];
  if (rows.length !== 1 || !proof) return { why: 'the cached state holds no single proof' };
  if (proof.key !== key) return { why: 'its validation ran with other settings (shared tables, accepted advice, --allow-skip)' };
  if (proof.server_state !== (await serverStateDigest(trx, scope))) return { why: 'the roles it acts as or through, their memberships, the database\'s or the session\'s settings, tenantseed or its libraries changed since its validation' };
  if (!proof.report.ok) return { why: 'its validation did not pass' };
  return { report: proof.report, validatedAt: new Date(proof.validated_at) };
}
