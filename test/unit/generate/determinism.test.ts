import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildPlan, canonicalJson, DATA_SOURCES, datasetKey, GENERATOR_VERSION, generatorSignature } from '../../../src/generate';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { CLI, runCli } from '../../support/run-cli';
import {
  allRows, editedDefinitions, editedProfile, fingerprintOf, GOLDEN_TEST_FINGERPRINT, SHIPPED_DEFINITIONS, shippedDefinitions, shippedPlan,
} from '../../support/datasets';

/**
 * The golden fingerprint of the test profile. It changes only when generated data changes:
 * on purpose (bump GENERATOR_VERSION and note it in CHANGELOG.md) or by accident (a
 * dependency upgrade, Faker's data included, that this test exists to catch).
 */

describe('the determinism contract', () => {
  it('pins the fingerprint of the test profile (generator v4)', () => {
    expect(GENERATOR_VERSION).toBe(4);
    expect(fingerprintOf(shippedPlan('test'))).toBe(GOLDEN_TEST_FINGERPRINT);
  });

  it('writes byte-identical files from two processes', async () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-det-'));
    try {
      for (const out of ['a', 'b']) {
        const run = await runCli(['generate', '--env', 'test', '--out', path.join(base, out), '--format', 'csv']);
        expect(run.code).toBe(0);
      }
      const list = (dir: string): string[] => fs.readdirSync(dir, { recursive: true }).map(String).sort();
      const files = list(path.join(base, 'a')).filter((f) => fs.statSync(path.join(base, 'a', f)).isFile());
      expect(files.length).toBeGreaterThan(10);
      expect(JSON.parse(fs.readFileSync(path.join(base, 'a', 'manifest.json'), 'utf8')).fingerprint).toBe(GOLDEN_TEST_FINGERPRINT);
      expect(list(path.join(base, 'b'))).toEqual(list(path.join(base, 'a')));
      for (const file of files) {
        expect(fs.readFileSync(path.join(base, 'b', file)).equals(fs.readFileSync(path.join(base, 'a', file)))).toBe(true);
      }
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  it('gives different data for a different seed, with the same named ids', () => {
    const a = shippedPlan('test');
    const b = shippedPlan('test', { seed: 43 });
    expect(fingerprintOf(b)).not.toBe(fingerprintOf(a));
    expect(b.namedRows().map((r) => r.id)).toEqual(a.namedRows().map((r) => r.id));
  });

  it('changes no existing row when a tenant is added', () => {
    const small = allRows(shippedPlan('development', { tenants: 8 }));
    const large = allRows(shippedPlan('development', { tenants: 9 }));
    for (const [table, rows] of small) {
      const grown = large.get(table)!;
      expect(grown.length).toBeGreaterThanOrEqual(rows.length);
      // Rows come tenant by tenant, so the old tenants' rows are a prefix of the new ones'.
      expect(grown.slice(0, rows.length)).toEqual(rows);
    }
  });

  it('changes no existing value when a count is raised, except references that now pick a new parent', () => {
    const definitions = shippedDefinitions();
    const before = allRows(buildPlan({ definitions, profile: editedProfile('test', () => undefined).profile }));
    const after = allRows(buildPlan({ definitions, profile: editedProfile('test', (p) => { p.counts.users = 9; }).profile }));
    const userIds = new Set(before.get('users')!.map((r) => r[1]));
    const newUserIds = new Set(after.get('users')!.map((r) => r[1]).filter((id) => !userIds.has(id)));
    expect(newUserIds.size).toBe(12);
    let repointed = 0;
    for (const [table, rows] of before) {
      const columns = shippedPlan('test').tables.find((t) => t.name === table)!.columns;
      const grownRows = after.get(table)!;
      const grown = table === 'users' ? grownRows.filter((r) => userIds.has(r[1])) : grownRows;
      expect(grown.length).toBe(rows.length);
      rows.forEach((row, i) => {
        row.forEach((value, k) => {
          if (grown[i][k] === value || JSON.stringify(grown[i][k]) === JSON.stringify(value)) return;
          // The only allowed change: a reference to a user that now points at one of the new users.
          expect(columns[k]).toMatch(/user_id$/);
          expect(newUserIds.has(grown[i][k] as string)).toBe(true);
          repointed++;
        });
      });
    }
    expect(repointed).toBeLessThan(20);
  });

  it('changes no existing value when a column is added', () => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (files) => {
      const users = files.get('users.json') as { properties: Record<string, unknown> };
      users.properties = { nickname: { type: 'string', 'x-faker': 'person.firstName' }, ...users.properties };
    });
    try {
      const profile = editedProfile('test', () => undefined).profile;
      const before = allRows(buildPlan({ definitions: shippedDefinitions(), profile }));
      const after = allRows(buildPlan({ definitions: loadDefinitions(dir), profile }));
      for (const [table, rows] of before) {
        const grown = after.get(table)!;
        expect(grown.map((r) => (table === 'users' ? r.slice(1) : r))).toEqual(rows);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Other Node binaries (TENANTSEED_OTHER_NODE: paths separated by ':'); `.ci/run` fetches Node 22
 * and 24 from the npm registry. Without any, the comparison is skipped (and CI says so).
 */
const OTHER_NODES = (process.env.TENANTSEED_OTHER_NODE ?? '').split(path.delimiter).filter(Boolean);

describe('the determinism contract across Node majors', () => {
  const withOtherNodes = OTHER_NODES.length > 0 ? it : it.skip;

  /** The fingerprint `tenantseed generate` prints for a shipped profile, run by `node`. */
  function generatedFingerprint(node: string, env: string): string {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-node-'));
    try {
      const run = spawnSync(node, [CLI, 'generate', '--env', env, '--out', path.join(out, 'files'), '--json'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (run.status !== 0) throw new Error(`${node} generate --env ${env} exited ${run.status}: ${run.stderr}`);
      return JSON.parse(run.stdout).fingerprint as string;
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }

  withOtherNodes('prints the same fingerprints of the shipped test and staging profiles under every Node given', () => {
    const versions = OTHER_NODES.map((node) => spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim());
    expect(new Set([process.version, ...versions]).size).toBe(1 + OTHER_NODES.length);
    for (const env of ['test', 'staging']) {
      const here = generatedFingerprint(process.execPath, env);
      if (env === 'test') expect(here).toBe(GOLDEN_TEST_FINGERPRINT);
      for (const [i, node] of OTHER_NODES.entries()) expect({ node: versions[i], env, fingerprint: generatedFingerprint(node, env) }).toEqual({ node: versions[i], env, fingerprint: here });
    }
  }, 300_000);
});

describe('the generator version and its data sources', () => {
  /** The data sources each generator version was made with: a new pin needs a new version. */
  const MADE_WITH: Record<number, Record<string, string>> = { 3: { '@faker-js/faker': '9.9.0' }, 4: { '@faker-js/faker': '9.9.0' } };

  it('pins the installed Faker, and a new Faker version needs a new generator version', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const installed = require('@faker-js/faker/package.json').version as string;
    expect(DATA_SOURCES['@faker-js/faker']).toBe(installed);
    expect(MADE_WITH[GENERATOR_VERSION]).toEqual(DATA_SOURCES);
  });

  it('puts the generator version and the data sources into the fingerprint and the dataset key', () => {
    expect(generatorSignature()).toBe(`tenantseed generator v${GENERATOR_VERSION}; @faker-js/faker ${DATA_SOURCES['@faker-js/faker']}`);
  });

  it('makes the dataset key canonical: the key order of JSON objects changes nothing', () => {
    const plan = shippedPlan('test');
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (files) => {
      for (const [name, json] of files) {
        const reversed = Object.fromEntries(Object.entries(json).reverse());
        reversed.properties = Object.fromEntries(Object.entries(json.properties as object));
        files.set(name, reversed);
      }
    });
    const { directory } = editedProfile('test', (p) => {
      const entries = Object.entries(p).reverse();
      for (const k of Object.keys(p)) delete p[k];
      for (const [k, v] of entries) p[k] = v;
    });
    const reordered = buildPlan({ definitions: loadDefinitions(dir), profile: loadProfile(directory, 'test') });
    expect(datasetKey(reordered)).toBe(datasetKey(plan));
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
  });
});
