import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex, quoteIdentifier } from '../../src/db';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { testServer } from './database';
import { copyWithRoles, dropRole, FixtureProjectSpec } from './fixture-project';
import { runCli } from './run-cli';

/** What a break is written from: the isolated project as introspect drafted it, and its spec. */
export interface BreakTarget {
  /** The application role (renamed for this run). */
  readonly appRole: string;
  /** A tenant table and its tenant column. */
  readonly table: string;
  readonly column: string;
  /** The setting the policies read, and the project's context call (`tenancy.setContext`), if any. */
  readonly setting: string;
  readonly setContext?: string;
  /** A table tied to its tenant only through its parent (`x-tenant-via`), if the project has one. */
  readonly chain?: string;
  /** A name of this run's own, for the roles a break makes (roles are the server's). */
  readonly suffix: string;
  /** The database the break is applied to (as a superuser). */
  readonly knex: Knex;
}

/**
 * What validate must do on a database with the break: fail exactly these checks, each naming the
 * table, one of them with the cause; or refuse.
 */
export type BreakOutcome =
  | { readonly checks: readonly string[]; readonly table: (t: BreakTarget) => string; readonly cause: (t: BreakTarget) => RegExp }
  | { readonly refused: (t: BreakTarget) => RegExp };

/** One way to break a project's isolation, written for any project from its {@link BreakTarget}. */
export interface IsolationBreak {
  readonly name: string;
  /** Whether the project has what the break changes (default: every project). */
  readonly applies?: (spec: FixtureProjectSpec) => boolean;
  /** The SQL that breaks the copy of the isolated database. */
  readonly sql: (t: BreakTarget) => string | Promise<string>;
  /** SQL that takes back what the break changed beyond the database (roles), run on the server after. */
  readonly undo?: (t: BreakTarget) => string;
  readonly fails: BreakOutcome;
}

const q = quoteIdentifier;
const lit = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * The function of the project's context call (`select set_org_context($1)`), as CREATE OR REPLACE
 * must restate it: its name, arguments and result, read from the catalog.
 */
async function contextFunction(t: BreakTarget): Promise<{ name: string; args: string; result: string }> {
  const name = /\b(?:select|perform|call)\s+([\w."]+)\s*\(/i.exec(t.setContext ?? '')?.[1];
  if (!name) throw new Error(`no function in tenancy.setContext: ${t.setContext}`);
  const row = (await t.knex.raw('SELECT pg_get_function_arguments(to_regproc(?)) AS args, pg_get_function_result(to_regproc(?)) AS result', [name, name])).rows[0];
  return { name, args: row.args, result: row.result };
}

/** The context function rewritten to set the tenant setting to `value` (SQL over its arguments), locally or for the session. */
async function rewriteContext(t: BreakTarget, value: string, local: boolean): Promise<string> {
  const f = await contextFunction(t);
  return `CREATE OR REPLACE FUNCTION ${f.name}(${f.args}) RETURNS ${f.result} LANGUAGE plpgsql AS $break$
    BEGIN PERFORM set_config(${lit(t.setting)}, ${value}, ${local}); ${f.result === 'void' ? '' : 'RETURN NULL;'} END $break$`;
}

/** A role of this run's, granted to the application role. */
const memberRole = (t: BreakTarget) => `breaks_member_${t.suffix}`;

/**
 * The breaks of issue 30's acceptance, each applied alone to a copy of an isolated project.
 * Adding one is one entry. (Left out until its probe exists: a context function that skips the
 * membership check.)
 */
export const BREAKS: readonly IsolationBreak[] = [
  {
    name: 'a bypass policy on a setting the application role may set',
    sql: (t) => `CREATE POLICY breaks_bypass ON ${q(t.table)} TO ${q(t.appRole)} USING (current_setting('app.bypass_rls', true) = 'on')`,
    fails: { checks: ['isolation'], table: (t) => t.table, cause: () => /policy breaks_bypass .*app\.bypass_rls/ },
  },
  {
    name: 'a permissive policy TO PUBLIC',
    sql: (t) => `CREATE POLICY breaks_public ON ${q(t.table)} TO PUBLIC USING (true)`,
    fails: { checks: ['isolation'], table: (t) => t.table, cause: () => /policy breaks_public \(to PUBLIC\)/ },
  },
  {
    name: 'a permissive policy to a role granted to the application role',
    sql: (t) => `CREATE ROLE ${q(memberRole(t))} NOLOGIN; GRANT ${q(memberRole(t))} TO ${q(t.appRole)};
      CREATE POLICY breaks_member ON ${q(t.table)} TO ${q(memberRole(t))} USING (true)`,
    undo: (t) => `DROP ROLE IF EXISTS ${q(memberRole(t))}`,
    fails: { checks: ['isolation'], table: (t) => t.table, cause: (t) => new RegExp(`policy breaks_member \\(to ${memberRole(t)}\\)`) },
  },
  {
    name: 'a chain table with no policy',
    applies: (spec) => spec.chain !== undefined,
    sql: (t) => `DO $$ DECLARE p record; BEGIN
        FOR p IN SELECT policyname FROM pg_policies WHERE tablename = ${lit(t.chain!)} LOOP EXECUTE format('DROP POLICY %I ON %I', p.policyname, ${lit(t.chain!)}); END LOOP;
      END $$; ALTER TABLE ${q(t.chain!)} DISABLE ROW LEVEL SECURITY`,
    fails: { checks: ['schema', 'isolation'], table: (t) => t.chain!, cause: () => /row-level security is disabled/ },
  },
  {
    name: 'row-level security disabled on a tenant table',
    sql: (t) => `ALTER TABLE ${q(t.table)} DISABLE ROW LEVEL SECURITY`,
    // The catalog proves it (schema), and the probes see it (isolation).
    fails: { checks: ['schema', 'isolation'], table: (t) => t.table, cause: () => /row-level security is disabled/ },
  },
  {
    name: 'a context function that ignores its argument',
    applies: (spec) => spec.contextFunction !== undefined,
    // It sets one tenant, whichever the application asks for.
    sql: async (t) => {
      const first = (await t.knex.raw(`SELECT min(${q(t.column)}::text) AS id FROM ${q(t.table)}`)).rows[0].id as string;
      return rewriteContext(t, lit(first), true);
    },
    fails: { checks: ['isolation'], table: (t) => t.table, cause: () => /tenancy\.setContext .* ignores the tenant it is given/ },
  },
  {
    name: 'a context that outlives COMMIT on a pooled connection',
    applies: (spec) => spec.contextFunction !== undefined,
    sql: (t) => rewriteContext(t, '$1::text', false),
    fails: { checks: ['isolation'], table: (t) => t.table, cause: () => /after COMMIT, the next transaction on the same connection sees \d+ row\(s\) with no tenant set: tenancy\.setContext .* outlives its transaction/ },
  },
  {
    name: 'BYPASSRLS granted to the application role',
    sql: (t) => `ALTER ROLE ${q(t.appRole)} BYPASSRLS`,
    undo: (t) => `ALTER ROLE ${q(t.appRole)} NOBYPASSRLS`,
    fails: { refused: (t) => new RegExp(`Refusing to validate as the application role "${t.appRole}": it is a role with BYPASSRLS`) },
  },
];

interface ValidateJson {
  ok: boolean;
  checks: Array<{ name: string; ok: boolean; details: { summary: string; findings?: Array<{ table?: string; message: string }> } }>;
  advice: Array<{ rule: string; table?: string }>;
}

/**
 * Issue 30's acceptance on one fixture project: its isolated variant (the fixture, then the fix
 * its `isolate` hook or `isolate.sql` applies, closing exactly its `holes`) is introspected,
 * reset and validated with no edit (exit 0, advice listed); then each break of {@link BREAKS}
 * that applies is made alone on a copy of that database (CREATE DATABASE ... TEMPLATE), and
 * validate must fail the break's check naming the table and the cause, or refuse.
 */
export function describeFixtureBreaks(spec: FixtureProjectSpec, breaks: readonly IsolationBreak[] = BREAKS): void {
  describe(`${spec.name}, isolated: validate passes, and fails on each break`, () => {
    const suffix = randomBytes(4).toString('hex');
    const roles = new Map(spec.roles.map((r) => [r, `${r}_${suffix}`]));
    const appRole = roles.get(spec.appRole)!;
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), `tenantseed-${spec.name}-breaks-`));
    let schemaDir = '';
    let source: ScratchDatabase | undefined;
    const cli = (args: string[], url: string) => runCli(args, { cwd: folder, env: { DATABASE_URL: url }, timeoutMs: 180_000 });
    let baseline: { code: number | null; report: ValidateJson; text: string } | undefined;

    beforeAll(async () => {
      schemaDir = copyWithRoles(spec.name, roles);
      source = await createScratchDatabase(testServer(), { prefix: 'tenantseed_test_breaks' });
      const knex = createKnex(source.target, { poolMax: 2 });
      try {
        const db = { target: source.target, knex };
        await spec.apply(db, schemaDir);
        // A fixture without holes is its own isolated variant.
        if (spec.isolate) await spec.isolate(db, schemaDir);
        else if (spec.holes?.length) await knex.raw(fs.readFileSync(path.join(schemaDir, 'isolate.sql'), 'utf8'));
      } finally {
        // CREATE DATABASE ... TEMPLATE needs the source without sessions.
        await knex.destroy();
      }
      for (const args of [['introspect', '--out', 'db'], ['reset', '--env', 'development']]) {
        const run = await cli(args, source.target.url);
        if (run.code !== 0) throw new Error(`${args.join(' ')} exited ${run.code}: ${run.stderr}${run.stdout}`);
      }
      const json = await cli(['validate', '--env', 'development', '--json'], source.target.url);
      const text = await cli(['validate', '--env', 'development'], source.target.url);
      baseline = { code: json.code, report: JSON.parse(json.stdout) as ValidateJson, text: text.stdout };
    }, 480_000);

    afterAll(async () => {
      const server = createKnex(testServer(), { poolMax: 1 });
      try {
        for (const role of roles.values()) await dropRole({ target: testServer(), knex: server }, role);
      } finally {
        await server.destroy();
      }
      await source?.drop();
      fs.rmSync(folder, { recursive: true, force: true });
      if (schemaDir) fs.rmSync(schemaDir, { recursive: true, force: true });
    });

    it('validate exits 0 on the isolated project, with its advice listed', () => {
      const { code, report, text } = baseline!;
      expect(report.checks.filter((c) => !c.ok).map((c) => ({ check: c.name, findings: c.details.findings }))).toEqual([]);
      expect(code).toBe(0);
      expect(report.checks.find((c) => c.name === 'isolation')!.details.summary).toMatch(new RegExp(`as ${appRole}: own rows only`));
      // Every advice item of the JSON report is in the text report too, by its rule and table.
      for (const item of report.advice) expect(text).toContain(item.rule);
    });

    for (const brk of breaks.filter((b) => !b.applies || b.applies(spec))) {
      it(`fails on ${brk.name}, naming the table and the cause`, async () => {
        const config = JSON.parse(fs.readFileSync(path.join(folder, 'tenantseed.config.json'), 'utf8')) as { tenancy: { setting: string; setContext?: string } };
        if (spec.contextFunction) expect(config.tenancy.setContext).toContain(spec.contextFunction);
        if (spec.chain) expect(JSON.parse(fs.readFileSync(path.join(folder, 'db', 'definitions', `${spec.chain}.json`), 'utf8'))['x-tenant-via']).toBeDefined();
        const clone = await createScratchDatabase(testServer(), { prefix: 'tenantseed_test_breaks', template: source!.name });
        const knex = createKnex(clone.target, { poolMax: 1 });
        const target: BreakTarget = {
          appRole, table: spec.scoped.table, column: spec.scoped.column, setting: config.tenancy.setting, setContext: config.tenancy.setContext,
          chain: spec.chain, suffix, knex,
        };
        try {
          await knex.raw(await brk.sql(target));
          await knex.destroy();
          const run = await cli(['validate', '--env', 'development', '--json'], clone.target.url);
          const fails = brk.fails;
          if ('refused' in fails) {
            expect(run.stderr).toMatch(fails.refused(target));
            expect(run.code).toBe(3);
            return;
          }
          const report = JSON.parse(run.stdout) as ValidateJson;
          const table = fails.table(target);
          const failed = report.checks.filter((c) => !c.ok);
          expect(failed.map((c) => c.name)).toEqual(fails.checks);
          for (const check of failed) expect({ check: check.name, tables: (check.details.findings ?? []).map((f) => f.table) }).toEqual({ check: check.name, tables: expect.arrayContaining([table]) });
          const messages = failed.flatMap((c) => (c.details.findings ?? []).filter((f) => f.table === table).map((f) => f.message));
          expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(fails.cause(target))]));
          expect(run.code).toBe(1);
        } finally {
          await knex.destroy();
          await clone.drop();
          if (brk.undo) {
            const server = createKnex(testServer(), { poolMax: 1 });
            await server.raw(brk.undo(target)).finally(() => server.destroy());
          }
        }
      }, 240_000);
    }
  });
}

