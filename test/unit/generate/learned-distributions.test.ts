import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, guardRows, RowGuard } from '../../../src/generate';
import type { Plan } from '../../../src/generate';

/**
 * What `introspect --learn-from` writes makes data with the source's distributions: weighted
 * enums and null fractions drawn at evenly spread points (`x-spread`, close even over 60 rows),
 * numbers and dates from equal-frequency buckets and common values (`distribution`), rows per
 * tenant from quantiles (`perTenant`, whales and a long tail) and children per parent from
 * quantiles (`x-per-parent`). Deterministic, and adding tenants changes no tenant's rows.
 */
const PER_TENANT = [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 11, 13, 16, 20, 30, 60, 200];
const PER_PARENT = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8, 10, 14, 20, 40];
const SCORE_BOUNDS = [0, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144];
const JOINED_BOUNDS = [700, 400, 200, 100, 50, 20, 10, 5, 2, 1, 0];
/** A later date learned after an earlier one: most keys used soon after they are made, some long after. */
const CREATED_BOUNDS = [500, 400, 300, 250, 200, 150, 100, 60, 30, 10, 1];
const LAST_USED_BOUNDS = [480, 330, 240, 190, 150, 110, 70, 40, 20, 5, -20];

function writeProject(generated: number): { definitions: string; environments: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-learned-'));
  const definitions = path.join(dir, 'definitions');
  const environments = path.join(dir, 'environments');
  fs.mkdirSync(definitions);
  fs.mkdirSync(environments);
  const base = { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', additionalProperties: false };
  const write = (name: string, body: object) => fs.writeFileSync(path.join(definitions, `${name}.json`), JSON.stringify({ ...base, ...body }));
  write('accounts', {
    'x-table': 'accounts', 'x-tenant-root': true, 'x-primary-key': ['id'], required: ['id', 'plan'],
    properties: { id: { type: 'string', format: 'uuid' }, plan: { enum: ['free', 'pro', 'enterprise'], 'x-weights': [0.7, 0.25, 0.05], 'x-spread': true } },
  });
  write('members', {
    'x-table': 'members', 'x-tenant-column': 'account_id', 'x-primary-key': ['account_id', 'id'], 'x-count': { default: 5 }, required: ['account_id', 'id', 'role', 'score'],
    properties: {
      account_id: { type: 'string', format: 'uuid' }, id: { type: 'string', format: 'uuid' },
      role: { enum: ['admin', 'member', 'viewer'], 'x-weights': [0.05, 0.8, 0.15], 'x-spread': true },
      score: { type: 'integer', 'x-generate': { distribution: { bounds: SCORE_BOUNDS, common: [[1, 0.3]] } }, 'x-spread': true },
      joined: { type: ['string', 'null'], format: 'date-time', 'x-generate': { distribution: { bounds: JOINED_BOUNDS } }, 'x-null-probability': 0.3, 'x-spread': true },
    },
  });
  write('posts', {
    'x-table': 'posts', 'x-tenant-column': 'account_id', 'x-primary-key': ['account_id', 'id'], 'x-count': { default: 20 }, required: ['account_id', 'id', 'member_id'],
    properties: {
      account_id: { type: 'string', format: 'uuid' }, id: { type: 'string', format: 'uuid' },
      member_id: { type: 'string', format: 'uuid', 'x-ref': 'members.id', 'x-per-parent': PER_PARENT },
    },
  });
  write('api_keys', {
    'x-table': 'api_keys', 'x-tenant-column': 'account_id', 'x-primary-key': ['account_id', 'id'], 'x-count': { default: 6 }, required: ['account_id', 'id', 'created'],
    properties: {
      account_id: { type: 'string', format: 'uuid' }, id: { type: 'string', format: 'uuid' },
      created: { type: 'string', format: 'date-time', 'x-generate': { distribution: { bounds: CREATED_BOUNDS } }, 'x-spread': true },
      last_used: {
        type: ['string', 'null'], format: 'date-time', 'x-null-probability': 0.4, 'x-spread': true,
        'x-generate': { date: { after: 'created', byRank: { earlier: { bounds: CREATED_BOUNDS }, later: { bounds: LAST_USED_BOUNDS } } } },
      },
    },
  });
  fs.writeFileSync(path.join(environments, 'learned.json'), JSON.stringify({
    seed: 7, referenceDate: '2026-01-01T00:00:00Z', tenants: { named: [], generated },
    counts: { members: 5, posts: 20 }, perTenant: { members: PER_TENANT, posts: PER_TENANT.map((q) => q * 4) },
  }));
  return { definitions, environments };
}

function plan(generated: number, tenants?: number): Plan {
  const project = writeProject(generated);
  return buildPlan({ definitions: loadDefinitions(project.definitions), profile: loadProfile(project.environments, 'learned'), tenants });
}

function rowsOf(p: Plan, table: string): Record<string, unknown>[] {
  const t = p.tables.find((x) => x.name === table)!;
  return [...guardRows(t.rows(), new RowGuard(t, { strict: true }))].map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i]])));
}

function shares(values: unknown[]): Map<unknown, number> {
  const out = new Map<unknown, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1 / values.length);
  return out;
}

function tvd(values: unknown[], expected: Record<string, number>): number {
  const got = shares(values);
  const keys = new Set([...got.keys(), ...Object.keys(expected)]);
  return [...keys].reduce((sum: number, k) => sum + Math.abs((got.get(k) ?? 0) - (expected[k as string] ?? 0)), 0) / 2;
}

/** Quantile p of a sorted list, as percentile_disc. */
function quantile(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];
}

/** The largest gap between a sample's CDF and the piecewise-linear CDF of equal-frequency buckets. */
function ksAgainstBuckets(sample: number[], bounds: number[]): number {
  const sorted = [...sample].sort((a, b) => a - b);
  const cdf = (x: number) => {
    if (x <= bounds[0]) return 0;
    for (let i = 1; i < bounds.length; i++) if (x <= bounds[i]) return (i - 1 + (x - bounds[i - 1]) / (bounds[i] - bounds[i - 1])) / (bounds.length - 1);
    return 1;
  };
  return sorted.reduce((worst, x, i) => Math.max(worst, Math.abs(cdf(x) - (i + 1) / sorted.length), Math.abs(cdf(x) - i / sorted.length)), 0);
}

describe('learned distributions', () => {
  const p = plan(60);
  const accounts = rowsOf(p, 'accounts');
  const members = rowsOf(p, 'members');
  const posts = rowsOf(p, 'posts');

  it('draws weighted enums at spread points: close to the weights over 60 tenants and over every member', () => {
    expect(accounts).toHaveLength(60);
    expect(tvd(accounts.map((a) => a.plan), { free: 0.7, pro: 0.25, enterprise: 0.05 })).toBeLessThanOrEqual(0.05);
    expect(tvd(members.map((m) => m.role), { admin: 0.05, member: 0.8, viewer: 0.15 })).toBeLessThanOrEqual(0.02);
  });

  it('keeps the null fraction and the buckets and common values of numbers and dates', () => {
    const joined = members.map((m) => m.joined);
    expect(Math.abs(joined.filter((j) => j === null).length / joined.length - 0.3)).toBeLessThanOrEqual(0.02);
    const days = joined.filter((j): j is string => j !== null).map((j) => (Date.parse('2026-01-01T00:00:00Z') - Date.parse(j)) / 86_400_000);
    expect(ksAgainstBuckets(days, [...JOINED_BOUNDS].reverse())).toBeLessThanOrEqual(0.05);
    const scores = members.map((m) => m.score as number);
    expect(scores.every(Number.isInteger)).toBe(true);
    expect(Math.abs(scores.filter((s) => s === 1).length / scores.length - 0.3)).toBeLessThanOrEqual(0.02);
    // Whole numbers of buckets that share their bounds: at most bucket i + 1 lies at or below bound i.
    const rest = scores.filter((s) => s !== 1);
    expect(Math.min(...rest)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...rest)).toBeLessThanOrEqual(144);
    SCORE_BOUNDS.forEach((bound, i) => {
      const below = rest.filter((s) => s <= bound).length / rest.length;
      expect(below).toBeGreaterThanOrEqual((i - 1) / 10 - 0.03);
      expect(below).toBeLessThanOrEqual((i + 1) / 10 + 0.03);
    });
  });

  it('gives tenants rows by the per-tenant quantiles, a whale large in every table', () => {
    const counts = (rows: Record<string, unknown>[]) => p.tenants.map((t) => rows.filter((r) => r.account_id === t.id).length).sort((a, b) => a - b);
    const memberCounts = counts(members);
    for (const q of [0.25, 0.5, 0.75, 0.9]) {
      const expected = PER_TENANT[Math.round(q * 20)];
      expect(Math.abs(quantile(memberCounts, q) - expected)).toBeLessThanOrEqual(Math.max(1, 0.2 * expected));
    }
    expect(memberCounts[memberCounts.length - 1]).toBeGreaterThan(60);
    const whale = p.tenants.reduce((a, t) => ((a.point ?? 0) > (t.point ?? 0) ? a : t));
    expect(members.filter((m) => m.account_id === whale.id).length).toBe(memberCounts[memberCounts.length - 1]);
    expect(posts.filter((m) => m.account_id === whale.id).length).toBe(Math.max(...counts(posts)));
  });

  it('shares a tenant\'s rows among its parents by the children-per-parent quantiles', () => {
    const perMember = members.map((m) => posts.filter((x) => x.member_id === m.id && x.account_id === m.account_id).length).sort((a, b) => a - b);
    const ratio = posts.length / members.length / (PER_PARENT.reduce((a, b) => a + b, 0) / PER_PARENT.length);
    for (const q of [0.5, 0.75, 0.9]) {
      const expected = PER_PARENT[Math.round(q * 20)] * ratio;
      expect(Math.abs(quantile(perMember, q) - expected)).toBeLessThanOrEqual(Math.max(1, 0.2 * expected));
    }
    expect(perMember[perMember.length - 1]).toBeGreaterThan(5 * quantile(perMember, 0.5));
  });

  it('makes the same rows again, and adding tenants changes no existing tenant\'s rows', () => {
    expect(rowsOf(plan(60), 'posts')).toEqual(posts);
    const more = plan(60, 90);
    const firstSixty = new Set(p.tenants.map((t) => t.id));
    expect(rowsOf(more, 'members').filter((m) => firstSixty.has(m.account_id as string))).toEqual(members);
  });

  it('draws a date after another by rank (date.byRank): both follow their learned buckets, the order kept, the nulls apart from the earlier date', () => {
    const keys = rowsOf(p, 'api_keys');
    const days = (iso: string) => (Date.parse('2026-01-01T00:00:00Z') - Date.parse(iso)) / 86_400_000;
    const used = keys.filter((k) => k.last_used !== null);
    expect(keys.length).toBeGreaterThan(300);
    expect(used.filter((k) => Date.parse(k.last_used as string) < Date.parse(k.created as string))).toEqual([]);
    expect(Math.abs(1 - used.length / keys.length - 0.4)).toBeLessThanOrEqual(0.02);
    expect(ksAgainstBuckets(keys.map((k) => days(k.created as string)), [...CREATED_BOUNDS].reverse())).toBeLessThanOrEqual(0.05);
    expect(ksAgainstBuckets(used.map((k) => days(k.last_used as string)), [...LAST_USED_BOUNDS].reverse())).toBeLessThanOrEqual(0.05);
    // The null decision does not follow the earlier date: keys of the older and of the newer half are used alike.
    const median = [...keys.map((k) => days(k.created as string))].sort((a, b) => a - b)[Math.floor(keys.length / 2)];
    const usedShare = (older: boolean) => {
      const half = keys.filter((k) => (days(k.created as string) > median) === older);
      return half.filter((k) => k.last_used !== null).length / half.length;
    };
    expect(Math.abs(usedShare(true) - usedShare(false))).toBeLessThanOrEqual(0.15);
  });
});
