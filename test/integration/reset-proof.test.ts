import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { ValidationReport } from '../../src/validate';
import { serverStateDigest, takeProof, writeProof } from '../../src/workflows/reset-proof';
import { useFileDatabase } from '../support/database';
import { onServer } from '../support/on-server';

const report: ValidationReport = { ok: true, checks: [], advice: [], actedAs: { reader: 'postgres', application: 'app' } };

/** Runs `fn` in a transaction that is rolled back. */
async function inTransaction<T>(knex: Knex, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  let out: T | undefined;
  await knex.transaction(async (trx) => {
    out = await fn(trx);
    throw new Error('rollback');
  }).catch((err: Error) => {
    if (err.message !== 'rollback') throw err;
  });
  return out as T;
}

describe("the proof a reset's cached state keeps", () => {
  const db = useFileDatabase();
  const suffix = randomBytes(4).toString('hex');
  const app = `proofunit_app_${suffix}`;
  const parent = `proofunit_parent_${suffix}`;
  const unrelated = `proofunit_other_${suffix}`;
  const owner = `proofunit_owner_${suffix}`;
  const scope = { roles: [app, `proofunit_admin_${suffix}`], schemas: ['public'] };

  beforeAll(async () => {
    await onServer(async (client) => {
      for (const role of [app, parent, owner]) await client.query(`CREATE ROLE ${role} NOLOGIN`);
    });
  });

  // After useFileDatabase's (registered first, run first): the database and the function the owner owns are gone.
  afterAll(async () => {
    await onServer(async (client) => {
      for (const role of [unrelated, app, parent, owner]) await client.query(`DROP ROLE IF EXISTS ${role}`);
    });
  });

  it('has the same digest in and out of a transaction, with its lock bound set, and under another application name', async () => {
    const outside = await serverStateDigest(db.knex, scope);
    const inside = await inTransaction(db.knex, async (trx) => {
      await trx.raw(`SET LOCAL lock_timeout = '1234ms'`);
      await trx.raw(`SET LOCAL application_name = 'another'`);
      return serverStateDigest(trx, scope);
    });
    expect(inside).toBe(outside);
  });

  it('changes with what validation acts as or through, and with the session settings that decide visibility; not with an unrelated role', async () => {
    const base = await serverStateDigest(db.knex, scope);
    await onServer((client) => client.query(`CREATE ROLE ${unrelated} NOLOGIN`));
    expect(await serverStateDigest(db.knex, scope)).toBe(base);
    // A membership of the application role, then an attribute of the role it belongs to.
    await onServer((client) => client.query(`GRANT ${parent} TO ${app}`));
    const member = await serverStateDigest(db.knex, scope);
    expect(member).not.toBe(base);
    await onServer((client) => client.query(`ALTER ROLE ${parent} BYPASSRLS`));
    expect(await serverStateDigest(db.knex, scope)).not.toBe(member);
    await onServer((client) => client.query(`ALTER ROLE ${parent} NOBYPASSRLS`));
    await onServer((client) => client.query(`REVOKE ${parent} FROM ${app}`));
    expect(await serverStateDigest(db.knex, scope)).toBe(base);
    // The owner of a function of the project's schemas (a SECURITY DEFINER function runs as it).
    await db.knex.raw('CREATE FUNCTION proofunit_definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$');
    await db.knex.raw(`ALTER FUNCTION proofunit_definer() OWNER TO ${owner}`);
    const owned = await serverStateDigest(db.knex, scope);
    await onServer((client) => client.query(`ALTER ROLE ${owner} BYPASSRLS`));
    expect(await serverStateDigest(db.knex, scope)).not.toBe(owned);
    // A session setting.
    expect(await inTransaction(db.knex, async (trx) => {
      await trx.raw('SET LOCAL row_security = off');
      return serverStateDigest(trx, scope);
    })).not.toBe(await serverStateDigest(db.knex, scope));
  });

  it('is written only when the state did not change while validation ran, and taken once, standing only under its key and state', async () => {
    const before = await serverStateDigest(db.knex, scope);
    expect(await writeProof(db.knex, 'key', scope, report, 'another state')).toBe(false);
    expect((await db.knex.raw(`SELECT to_regclass('tenantseed.reset_proof') AS t`)).rows[0].t).toBeNull();
    await db.knex.raw('CREATE SCHEMA IF NOT EXISTS tenantseed');
    expect(await writeProof(db.knex, 'key', scope, report, before)).toBe(true);
    expect((await inTransaction(db.knex, (trx) => takeProof(trx, 'other key', scope))).report).toBeUndefined();
    const taken = await db.knex.transaction((trx) => takeProof(trx, 'key', scope));
    expect(taken.report?.ok).toBe(true);
    // Taken means gone: the copy is swapped in without it.
    expect((await db.knex.raw(`SELECT to_regclass('tenantseed.reset_proof') AS t`)).rows[0].t).toBeNull();
    expect(await db.knex.transaction((trx) => takeProof(trx, 'key', scope))).toEqual({ why: 'the cached state holds no proof' });
  });
});
