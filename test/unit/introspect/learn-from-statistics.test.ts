import type { ColumnStatistics, SchemaSnapshot, SnapshotColumn, SnapshotConstraint, SnapshotTable, SourceStatistics } from '../../../src/db';
import { draftProject, learnFromStatistics, statisticsRequest } from '../../../src/introspect';

/**
 * `introspect --learn-from` turns what the statistics reader learned into the draft: the
 * request names listed columns and references with their tenant pairing; the draft then has
 * weighted enums, the source's null fractions, buckets of dates (days before a reference date
 * at the source's "now"), JSON shapes from key paths, children per parent and rows per tenant.
 */
function col(name: string, baseType: string, extra: Partial<SnapshotColumn> = {}): SnapshotColumn {
  return { name, type: baseType, baseType, isArray: false, notNull: true, generated: false, ...extra } as SnapshotColumn;
}
const pk = (...columns: string[]): SnapshotConstraint => ({ name: 'pkey', kind: 'primary', columns, definition: `PRIMARY KEY (${columns.join(', ')})` });
const fk = (columns: string[], refTable: string, refColumns: string[]): SnapshotConstraint => ({
  name: `fk_${columns.join('_')}`, kind: 'foreign', columns, refTable, refColumns, definition: `FOREIGN KEY (${columns.join(', ')}) REFERENCES ${refTable}(${refColumns.join(', ')})`,
});
const policy = { name: 'isolation', roles: ['public'], using: "(org_id = (NULLIF(current_setting('app.org'::text, true), ''::text))::uuid)" };
function table(name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[], extra: Partial<SnapshotTable> = {}): SnapshotTable {
  return { schema: 'public', name, columns, constraints, uniqueIndexes: [], policies: [policy], rlsEnabled: true, rlsForced: true, rows: 0, ...extra };
}

const SNAPSHOT: SchemaSnapshot = {
  schema: 'public', roles: [],
  tables: [
    table('orgs', [col('id', 'uuid'), col('tier', 'text')], [pk('id'), { name: 'tier_check', kind: 'check', columns: [], definition: "CHECK ((tier = ANY (ARRAY['free'::text, 'pro'::text])))" }],
      { policies: [{ ...policy, using: "(id = (NULLIF(current_setting('app.org'::text, true), ''::text))::uuid)" }] }),
    table('members', [col('org_id', 'uuid'), col('id', 'uuid'), col('kind', 'text'), col('nickname', 'text'), col('joined', 'timestamptz', { notNull: false }), col('prefs', 'jsonb')],
      [pk('org_id', 'id'), fk(['org_id'], 'orgs', ['id'])]),
    table('notes', [col('org_id', 'uuid'), col('id', 'uuid'), col('member_id', 'uuid')], [pk('org_id', 'id'), fk(['org_id'], 'orgs', ['id']), fk(['org_id', 'member_id'], 'members', ['org_id', 'id'])]),
  ],
};

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const Q = (f: (i: number) => number) => Array.from({ length: 21 }, (_v, i) => f(i));
const base = (table: string, column: string, baseType: string, kind: ColumnStatistics['kind']) => ({ table, column, baseType, kind, nullFraction: 0, distinct: -1 });

const STATS: SourceStatistics = {
  database: 'prod', schema: 'public', role: 'analyst',
  tableRows: { orgs: 40, members: 800, notes: 3000 },
  columns: [
    { ...base('orgs', 'tier', 'text', 'categorical'), categories: [{ value: 'free', frequency: 0.9 }, { value: 'pro', frequency: 0.1 }] },
    { ...base('members', 'kind', 'text', 'categorical'), categories: [{ value: 'human', frequency: 0.7 }, { value: 'bot', frequency: 0.3 }] },
    { ...base('members', 'nickname', 'text', 'text') },
    { ...base('members', 'joined', 'timestamptz', 'temporal'), nullFraction: 0.25, histogram: [NOW - 300 * DAY, NOW - 30 * DAY, NOW - DAY / 2] },
    { ...base('members', 'prefs', 'jsonb', 'json'), keys: [
      { path: [], type: 'object', presence: 1 }, { path: ['theme'], type: 'string', presence: 1 }, { path: ['beta'], type: 'boolean', presence: 0.4 },
      { path: ['limits'], type: 'object', presence: 1 }, { path: ['limits', 'seats'], type: 'number', presence: 1 },
    ] },
  ],
  rowsPerTenant: {
    members: { quantiles: Q((i) => (i === 20 ? 300 : i)), groups: 40, rows: 800, source: 'aggregate' },
    notes: { quantiles: Q((i) => i * 4), groups: 40, rows: 3000, source: 'aggregate' },
  },
  gaps: {},
  childrenPerParent: { 'notes.member_id': { quantiles: Q((i) => (i < 10 ? 0 : i - 9)), groups: 800, rows: 3000, source: 'aggregate' } },
  read: [{ what: 'rows per tenant of notes', sql: 'SELECT ...' }, { what: 'JSON key paths and types of members.prefs', sql: '...', skipped: 'this role may not SELECT members' }],
};

describe('learning a draft from a source\'s statistics', () => {
  const draft = draftProject(SNAPSHOT);

  it('asks for the listed columns and the references, paired with the tenant column', () => {
    const request = statisticsRequest(SNAPSHOT, draft);
    expect(request.root).toEqual({ table: 'orgs', idColumn: 'id' });
    expect(request.tables.find((t) => t.name === 'orgs')!.columns.find((c) => c.name === 'tier')!.listed).toBe(true);
    expect(request.tables.find((t) => t.name === 'members')!.columns.find((c) => c.name === 'kind')!.listed).toBe(false);
    expect(request.references).toEqual([{ table: 'notes', parent: 'members', columns: ['org_id', 'member_id'], parentColumns: ['org_id', 'id'] }]);
  });

  it('writes weighted enums, null fractions, date buckets, JSON shapes, children per parent and rows per tenant', () => {
    const learned = learnFromStatistics(draft, SNAPSHOT, STATS);
    const members = learned.definitions.get('members')!.properties as Record<string, Record<string, unknown>>;
    expect(members.kind).toMatchObject({ enum: ['human', 'bot'], 'x-weights': [0.7, 0.3], 'x-spread': true });
    expect(members.nickname).toEqual((draft.definitions.get('members')!.properties as Record<string, unknown>).nickname);
    expect(members.joined).toMatchObject({ format: 'date-time', 'x-null-probability': 0.25, 'x-generate': { distribution: { bounds: [300, 30, 0.5] } } });
    expect(members.prefs).toMatchObject({ type: 'object', required: ['limits', 'theme'], properties: { beta: { type: 'boolean' }, limits: { properties: { seats: { type: 'number' } } } } });
    const notes = learned.definitions.get('notes')!.properties as Record<string, Record<string, unknown>>;
    expect(notes.member_id['x-per-parent']).toEqual(STATS.childrenPerParent['notes.member_id'].quantiles);
    expect(learned.profile).toMatchObject({ referenceDate: '2026-06-01T00:00:00Z', perTenant: { members: STATS.rowsPerTenant.members.quantiles, notes: STATS.rowsPerTenant.notes.quantiles } });
    expect((learned.profile.tenants as { generated: number }).generated + ((learned.profile.tenants as { named: unknown[] }).named.length)).toBe(40);
    expect(learned.findings.map((f) => f.message)).toContain('not learned: JSON key paths and types of members.prefs (this role may not SELECT members)');
  });

  it('leaves a first-row value (one owner per tenant) to the other rows only for what the tenants\' first rows do not take', () => {
    const roleCheck = { name: 'role_check', kind: 'check' as const, columns: [], definition: "CHECK ((role = ANY (ARRAY['owner'::text, 'admin'::text, 'member'::text])))" };
    const snapshot: SchemaSnapshot = { ...SNAPSHOT, tables: [SNAPSHOT.tables[0], table('seats', [col('org_id', 'uuid'), col('id', 'uuid'), col('role', 'text')], [pk('org_id', 'id'), fk(['org_id'], 'orgs', ['id']), roleCheck])] };
    const seatDraft = draftProject(snapshot);
    expect((seatDraft.definitions.get('seats')!.properties as Record<string, Record<string, unknown>>).role['x-first-row']).toBe('owner');
    const roles = (owners: number) => {
      const stats: SourceStatistics = {
        ...STATS, tableRows: { orgs: 40, seats: 1000 },
        columns: [{ ...base('seats', 'role', 'text', 'categorical'), categories: [{ value: 'owner', frequency: owners }, { value: 'admin', frequency: 0.16 }, { value: 'member', frequency: 0.84 - owners }] }],
        rowsPerTenant: { seats: { quantiles: Q((i) => 5 + i * 2), groups: 40, rows: 1000, source: 'aggregate' } },
        childrenPerParent: {},
      };
      return (learnFromStatistics(seatDraft, snapshot, stats).definitions.get('seats')!.properties as Record<string, Record<string, unknown>>).role;
    };
    // One owner a tenant in the source (40 of 1000): the first rows hold them all, no other row draws one.
    expect(roles(0.04)).toMatchObject({ enum: ['owner', 'admin', 'member'], 'x-first-row': 'owner', 'x-weights': [0, 0.166667, 0.833333] });
    // 100 owners: 40 first rows, and 60 of the other 960 rows.
    expect(roles(0.1)).toMatchObject({ 'x-weights': [0.0625, 0.166667, 0.770833] });
  });

  it('drafts a date after another by rank when the source holds buckets of both, else by the gaps', () => {
    const snapshot: SchemaSnapshot = { ...SNAPSHOT, tables: [SNAPSHOT.tables[0], table('events', [col('org_id', 'uuid'), col('id', 'uuid'), col('created_at', 'timestamptz'), col('updated_at', 'timestamptz', { notNull: false })], [pk('org_id', 'id'), fk(['org_id'], 'orgs', ['id'])])] };
    const eventsDraft = draftProject(snapshot);
    expect((eventsDraft.definitions.get('events')!.properties as Record<string, Record<string, { date?: { after?: unknown } }>>).updated_at['x-generate'].date?.after).toBe('created_at');
    const gaps = { quantiles: Q((i) => i), groups: 0, rows: 500, source: 'aggregate' as const };
    const learn = (createdHistogram?: number[]) => {
      const stats: SourceStatistics = {
        ...STATS, tableRows: { orgs: 40, events: 1000 }, rowsPerTenant: {}, childrenPerParent: {}, gaps: { 'events.updated_at': gaps },
        columns: [
          { ...base('events', 'created_at', 'timestamptz', 'temporal'), ...(createdHistogram ? { histogram: createdHistogram } : {}) },
          { ...base('events', 'updated_at', 'timestamptz', 'temporal'), nullFraction: 0.5, histogram: [NOW - 200 * DAY, NOW - 20 * DAY, NOW] },
        ],
      };
      return (learnFromStatistics(eventsDraft, snapshot, stats).definitions.get('events')!.properties as Record<string, Record<string, { date: Record<string, unknown> }>>).updated_at;
    };
    const ranked = learn([NOW - 300 * DAY, NOW - 30 * DAY, NOW - DAY]);
    expect(ranked['x-generate'].date).toEqual({ after: 'created_at', byRank: { earlier: { bounds: [300, 30, 1] }, later: { bounds: [200, 20, 0] } } });
    expect(ranked['x-null-probability']).toBe(0.5);
    const gapped = learn(undefined);
    expect(gapped['x-generate'].date).toMatchObject({ after: 'created_at', gaps: gaps.quantiles });
    expect(gapped['x-generate'].date.byRank).toBeUndefined();
  });
});
