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
 * connects as, and every role those belong to, directly or not: their oids, attributes,
 * role-wide settings and memberships); the server's settings from the configuration file and
 * command line, and its version; tenantseed's own code. Anything else validates the copy. A
 * role none of those belongs to (another project's, created or dropped since) changes nothing
 * validation reads.
 */
const PROOF_TABLE = `${BOOKKEEPING_SCHEMA}.reset_proof`;

/** What validation read that is not in the database: one digest, compared when the proof is taken. */
const SERVER_STATE_SQL = `
  WITH RECURSIVE acting AS (
    SELECT oid FROM pg_roles WHERE rolname = ANY(?::text[]) OR rolname = current_user OR rolname = session_user
    UNION
    SELECT m.roleid FROM pg_auth_members m JOIN acting a ON m.member = a.oid
  )
  SELECT concat_ws(E'\\n',
    version(), current_user, session_user, array_to_string(?::text[], ','),
    (SELECT string_agg(row_to_json(r)::text, E'\\n' ORDER BY r.oid)
       FROM (SELECT oid, rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconfig
               FROM pg_roles WHERE oid IN (SELECT oid FROM acting)) r),
    (SELECT string_agg(row_to_json(m)::text, E'\\n' ORDER BY m.roleid, m.member, m.grantor) FROM pg_auth_members m WHERE m.member IN (SELECT oid FROM acting)),
    (SELECT string_agg(name || '=' || coalesce(setting, ''), E'\\n' ORDER BY name) FROM pg_settings
      WHERE source NOT IN ('default', 'client', 'session', 'database', 'user', 'database user'))
  ) AS state`;

let codeDigest: string | undefined;

/** tenantseed's code as it runs (the folder of its modules, built or not): a changed validator never reuses an older proof. */
function tenantseedCode(): string {
  if (codeDigest === undefined) {
    const hash = createHash('sha256');
    hashFolder(hash, path.resolve(__dirname, '..'));
    codeDigest = hash.digest('hex');
  }
  return codeDigest;
}

/** The digest of the server's state that a validation acting as `roles` (and this connection's roles) depends on. */
export async function serverStateDigest(knex: Knex | Knex.Transaction, roles: readonly string[]): Promise<string> {
  const names = [...roles].sort();
  const state = (await knex.raw(SERVER_STATE_SQL, [names, names])).rows[0].state as string;
  return createHash('sha256').update(tenantseedCode()).update('\0').update(state).digest('hex');
}

/**
 * Writes the proof of a database that validated into its bookkeeping schema, before it is kept
 * as a cache; {@link dropProof} removes it from the database that goes on to be swapped in.
 */
export async function writeProof(knex: Knex, key: string, roles: readonly string[], report: ValidationReport): Promise<void> {
  const state = await serverStateDigest(knex, roles);
  await knex.transaction(async (trx) => {
    await trx.raw(`CREATE TABLE IF NOT EXISTS ${PROOF_TABLE} (key text NOT NULL, server_state text NOT NULL, validated_at timestamptz NOT NULL DEFAULT clock_timestamp(), report jsonb NOT NULL)`);
    await trx.raw(`DELETE FROM ${PROOF_TABLE}`);
    await trx.raw(`INSERT INTO ${PROOF_TABLE} (key, server_state, report) VALUES (?, ?, ?::jsonb)`, [key, state, JSON.stringify(report)]);
  });
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
 * state ({@link serverStateDigest}) for `roles` (the project's application and admin roles) is unchanged.
 */
export async function takeProof(trx: Knex.Transaction, key: string, roles: readonly string[]): Promise<TakenProof> {
  const exists = (await trx.raw('SELECT to_regclass(?) AS t', [PROOF_TABLE])).rows[0].t;
  if (!exists) return { why: 'the cached state holds no proof' };
  const rows = (await trx.raw(`SELECT key, server_state, validated_at, report FROM ${PROOF_TABLE}`)).rows as Array<{ key: string; server_state: string; validated_at: Date; report: ValidationReport }>;
  await dropProof(trx);
  const proof = rows[0];
  if (rows.length !== 1 || !proof) return { why: 'the cached state holds no single proof' };
  if (proof.key !== key) return { why: 'its validation ran with other settings (shared tables, accepted advice, --allow-skip)' };
  if (proof.server_state !== (await serverStateDigest(trx, roles))) return { why: 'the roles it acts as or through, their memberships, the server\'s settings or tenantseed changed since its validation' };
  if (!proof.report.ok) return { why: 'its validation did not pass' };
  return { report: proof.report, validatedAt: new Date(proof.validated_at) };
}
