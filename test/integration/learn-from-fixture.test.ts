import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { createKnex } from '../../src/db';
import { createScratchDatabase, ScratchDatabase, settleTestDatabases } from '../../src/testing';
import { copyWithRoles, dropRole, FixtureProjectSpec } from '../support/fixture-project';
import { ALEMBIC_APP, PRISMA_APP } from '../support/fixture-specs';
import { fillProductionLikeCatalog, ProductionLikeFill } from '../support/production-like-catalog';
import { testServer } from '../support/database';
import { onServer } from '../support/on-server';
import { copiedValues, textValues } from '../support/copied-values';
import { runCli } from '../support/run-cli';

/**
 * Issue 34's acceptance on fixture projects of "Any team's schema" (the shipped schema's is
 * learn-from-source.test.ts): each project applied as its tool applies it to a source and a
 * target database, the source filled from its catalog alone (test/support/production-like-catalog.ts:
 * whale and long-tail tenants, skewed CHECK and enum values, nulls, nested JSON, skewed children
 * per parent), then from the team's folder, the CLI as a subprocess: `introspect --learn-from`,
 * `reset`, `compare`. Every column within the limits, every count within 20%, and not one source
 * value of a non-categorical text column (nor a JSON string) found in the target.
 */
interface Fidelity {
  ok: boolean;
  columns: Array<{ table: string; column: string; ok: boolean; nullFraction: { difference: number }; tvd?: { value: number }; ks?: { value: number } }>;
  rowsPerTenant: Array<{ name: string; ok: boolean; compared: Array<{ label: string; source: number; target: number; difference: number }> }>;
  childrenPerParent: Array<{ name: string; ok: boolean; compared: Array<{ label: string; source: number; target: number; difference: number }> }>;
}

/** The worst figures of a report, for the log (and the commit message). */
function worst(report: Fidelity) {
  const max = (xs: number[]) => Math.max(0, ...xs);
  return {
    tvd: max(report.columns.map((c) => c.tvd?.value ?? 0)),
    ks: max(report.columns.map((c) => c.ks?.value ?? 0)),
    nullFraction: max(report.columns.map((c) => c.nullFraction.difference)),
    rowsPerTenant: max(report.rowsPerTenant.flatMap((r) => r.compared.filter((q) => q.label !== 'max').map((q) => q.difference))),
    childrenPerParent: max(report.childrenPerParent.flatMap((r) => r.compared.filter((q) => q.label !== 'max').map((q) => q.difference))),
  };
}

function describeLearning(spec: FixtureProjectSpec, expected: { tables: readonly string[]; references: readonly string[] }): void {
  describe(`${spec.name}: introspect --learn-from, reset and compare on a production-like source`, () => {
    const suffix = randomBytes(4).toString('hex');
    const roles = new Map(spec.roles.map((r) => [r, `${r}_${suffix}`]));
    let user = '';
    let schemaDir = '';
    let source: ScratchDatabase;
    let target: ScratchDatabase;
    let targetKnex: Knex;
    let fill: ProductionLikeFill;
    const cli = (args: string[]) => runCli(args, { cwd: user, env: { DATABASE_URL: target.target.url }, timeoutMs: 240_000 });

    beforeAll(async () => {
      user = fs.mkdtempSync(path.join(os.tmpdir(), `tenantseed-learn-${spec.name}-`));
      schemaDir = copyWithRoles(spec.name, roles);
      source = await createScratchDatabase(testServer(), { prefix: 'learn_source' });
      target = await createScratchDatabase(testServer(), { prefix: 'learn_target' });
      const sourceKnex = createKnex(source.target);
      targetKnex = createKnex(target.target);
      try {
        await spec.apply({ target: source.target, knex: sourceKnex }, schemaDir);
      } finally {
        await sourceKnex.destroy();
      }
      await spec.apply({ target: target.target, knex: targetKnex }, schemaDir);
      // The target is the team's isolated variant, so that reset's validation passes; the source as the tool left it.
      if (spec.isolate) await spec.isolate({ target: target.target, knex: targetKnex }, schemaDir);
      else if (spec.holes?.length) await targetKnex.raw(fs.readFileSync(path.join(schemaDir, 'isolate.sql'), 'utf8'));
      fill = await onServer((client) => fillProductionLikeCatalog(client, { root: spec.root }), source.name);
    }, 240_000);

    afterAll(async () => {
      await settleTestDatabases();
      for (const role of roles.values()) if (targetKnex) await dropRole({ target: target.target, knex: targetKnex }, role);
      await targetKnex?.destroy();
      await source?.drop();
      await target?.drop();
      if (user) fs.rmSync(user, { recursive: true, force: true });
      if (schemaDir) fs.rmSync(schemaDir, { recursive: true, force: true });
    });

    it('drafts from the statistics only, reproduces the distributions within the limits, and copies no non-categorical value', async () => {
      expect(Object.keys(fill.rows)).toEqual(expect.arrayContaining([...expected.tables]));
      const madeByMigrations = await textValues(target.name);

      const introspect = await cli(['introspect', '--out', 'db', '--learn-from', source.target.url]);
      expect(introspect.stderr).not.toMatch(/^error/m);
      expect(introspect.code).toBe(0);
      expect(introspect.stdout).toMatch(/one READ ONLY transaction; statistics and counts only/);
      const learned = fs.readFileSync(path.join(user, 'db', 'learned-from.json'), 'utf8');
      // Every non-categorical text value and JSON string of the source holds "zq": none was read.
      expect(learned).not.toMatch(/zq/i);

      const reset = await cli(['reset', '--env', 'development', '--yes']);
      expect(reset.stderr).not.toMatch(/^error/m);
      expect(reset.code).toBe(0);

      const compare = await cli(['compare', '--source', source.target.url, '--json']);
      expect(compare.stderr).not.toMatch(/^error/m);
      const report = JSON.parse(compare.stdout) as Fidelity;
      process.stdout.write(`${spec.name}: worst ${JSON.stringify(worst(report))}\n`);
      const off = report.columns.filter((c) => !c.ok).map((c) => ({ column: `${c.table}.${c.column}`, nulls: c.nullFraction.difference, tvd: c.tvd?.value, ks: c.ks?.value }));
      expect(off).toEqual([]);
      expect(report.columns.filter((c) => c.tvd).length).toBeGreaterThanOrEqual(3);
      expect(report.columns.filter((c) => c.ks).length).toBeGreaterThanOrEqual(6);
      expect(report.rowsPerTenant.map((r) => r.name)).toEqual(expect.arrayContaining(expected.tables.filter((t) => t !== spec.root)));
      expect(report.rowsPerTenant.filter((r) => !r.ok)).toEqual([]);
      expect(report.childrenPerParent.map((r) => r.name)).toEqual(expect.arrayContaining([...expected.references]));
      expect(report.childrenPerParent.filter((r) => !r.ok)).toEqual([]);
      expect(report.ok).toBe(true);
      expect(compare.code).toBe(0);

      // Not one source value of a non-categorical text column (or JSON string, or array item) reached the target.
      const { checked, copied } = copiedValues(await textValues(source.name), await textValues(target.name), { categorical: fill.categorical, made: madeByMigrations, marker: /zq/i });
      expect(copied).toEqual([]);
      expect(checked).toBeGreaterThan(10);
    }, 600_000);
  });
}

describeLearning(ALEMBIC_APP, {
  tables: ['tenants', 'users', 'documents', 'tenant_api_keys', 'tenant_configs'],
  references: ['documents.user_id'],
});
describeLearning(PRISMA_APP, {
  tables: ['workspaces', 'workspace_members', 'custom_roles', 'Business', 'token_usage'],
  references: ['Business.userId', 'workspace_members.userId'],
});
