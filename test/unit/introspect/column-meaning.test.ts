import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { SchemaSnapshot, SnapshotColumn, SnapshotConstraint, SnapshotTable } from '../../../src/db';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, guardRows, RowGuard } from '../../../src/generate';
import { draftProject } from '../../../src/introspect';
import { draftColumnSchema } from '../../../src/introspect/column-schema';
import { enumWeights, nameWords, orderedAfter, readColumnMeaning, TIMESTAMP_ORDER } from '../../../src/introspect/column-meaning';

function col(name: string, baseType: string, extra: Partial<SnapshotColumn> = {}): SnapshotColumn {
  return { name, type: baseType, baseType, isArray: false, notNull: true, generated: false, ...extra } as SnapshotColumn;
}
const pk = (...columns: string[]): SnapshotConstraint => ({ name: 'pkey', kind: 'primary', columns, definition: `PRIMARY KEY (${columns.join(', ')})` });
const uq = (...columns: string[]): SnapshotConstraint => ({ name: `uq_${columns.join('_')}`, kind: 'unique', columns, definition: `UNIQUE (${columns.join(', ')})` });
const fk = (columns: string[], refTable: string, refColumns: string[]): SnapshotConstraint => ({
  name: `fk_${columns.join('_')}`, kind: 'foreign', columns, refTable, refColumns, definition: `FOREIGN KEY (${columns.join(', ')}) REFERENCES ${refTable}(${refColumns.join(', ')})`,
});
function table(name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[]): SnapshotTable {
  return { schema: 'public', name, columns, constraints, uniqueIndexes: [], policies: [], rlsEnabled: false, rlsForced: false, rows: 0 };
}

describe('column meaning', () => {
  it('splits names written in any case into words', () => {
    expect(nameWords('content_hash')).toEqual(['content', 'hash']);
    expect(nameWords('contentHash')).toEqual(['content', 'hash']);
    expect(nameWords('IPAddress')).toEqual(['ip', 'address']);
    expect(nameWords('userAgent')).toEqual(['user', 'agent']);
    expect(nameWords('sha256_digest')).toEqual(['sha256', 'digest']);
    expect(nameWords('last-activity at')).toEqual(['last', 'activity', 'at']);
  });

  // The same meaning whatever the tool's naming convention (Knex/Alembic snake_case, Prisma camelCase).
  it.each([
    ['content_hash', 'contentHash', 'text', 'digest'],
    ['api_token', 'apiToken', 'text', 'secret-token'],
    ['key_prefix', 'keyPrefix', 'varchar', 'key-prefix'],
    ['ip_address', 'ipAddress', 'text', 'ip-address'],
    ['user_agent', 'userAgent', 'text', 'user-agent'],
    ['website_url', 'websiteUrl', 'text', 'url'],
    ['avatar_url', 'avatarUrl', 'text', 'avatar-url'],
    ['logo_url', 'logoUrl', 'text', 'image-url'],
    ['mime_type', 'mimeType', 'text', 'mime-type'],
    ['file_name', 'fileName', 'text', 'file-name'],
    ['currency_code', 'currencyCode', 'text', 'currency'],
    ['first_name', 'firstName', 'text', 'first-name'],
    ['amount_usd', 'amountUsd', 'numeric', 'money'],
    ['view_count', 'viewCount', 'int4', 'count'],
    ['prompt_tokens', 'promptTokens', 'int4', 'ai-tokens'],
    ['size_bytes', 'sizeBytes', 'int8', 'byte-size'],
    ['duration_ms', 'durationMs', 'int4', 'duration'],
    ['message', 'message', 'text', 'free-text'],
    ['time_zone', 'timeZone', 'text', 'time-zone'],
    ['cron_expression', 'cronExpression', 'text', 'cron'],
    ['event_type', 'eventType', 'text', 'action'],
    ['order_status', 'orderStatus', 'text', 'status'],
    ['member_role', 'memberRole', 'varchar', 'role'],
    ['billing_plan', 'billingPlan', 'text', 'plan'],
    ['ticket_priority', 'ticketPriority', 'text', 'priority'],
  ])('reads %s and %s (%s) as %s', (snake, camel, baseType, id) => {
    for (const name of [snake, camel]) {
      expect(readColumnMeaning({ name, baseType, root: false, siblings: [] })?.id).toBe(id);
    }
  });

  it('names AI providers and models only in tables about AI calls', () => {
    expect(readColumnMeaning({ name: 'provider', baseType: 'text', root: false, siblings: ['provider', 'model', 'prompt_tokens'] })?.id).toBe('ai-provider');
    expect(readColumnMeaning({ name: 'provider', baseType: 'text', root: false, siblings: ['provider', 'invoice_id'] })?.id).toBe('vendor');
    expect(readColumnMeaning({ name: 'model', baseType: 'text', root: false, siblings: ['model', 'totalTokens'] })?.id).toBe('ai-model');
  });

  it('names sign-in providers in tables about sign-ins, AI providers by id too, and AI costs in cents', () => {
    expect(readColumnMeaning({ name: 'provider', baseType: 'text', root: false, siblings: ['provider', 'providerAccountId', 'refresh_token'] })?.node.enum).toContain('github');
    expect(readColumnMeaning({ name: 'providerId', baseType: 'text', root: false, siblings: ['providerId', 'model', 'inputTokens'] })?.id).toBe('ai-provider');
    const cost = readColumnMeaning({ name: 'estimatedCost', baseType: 'numeric', root: false, siblings: ['estimatedCost', 'inputTokens'] });
    expect(cost?.id).toBe('ai-cost');
    expect(cost?.range?.max).toBeLessThanOrEqual(2);
    expect(readColumnMeaning({ name: 'estimatedCost', baseType: 'numeric', root: false, siblings: ['estimatedCost', 'invoice_id'] })?.id).toBe('money');
  });

  it('keeps only the labels that fit the column: a varchar(12) gets no claude-sonnet-4, a varchar(3) no provider at all', () => {
    const ai = ['provider', 'model', 'prompt_tokens'];
    const draft = (name: string, maxLength: number) => draftColumnSchema(col(name, 'varchar', { maxLength }), {
      table: 't', root: false, facts: {}, tenantScoped: true, siblings: ai, timestamps: [],
    });
    const model = draft('model', 12)!;
    expect((model.enum as string[]).every((m) => m.length <= 12)).toBe(true);
    expect((model['x-weights'] as number[]).length).toBe((model.enum as string[]).length);
    expect(draft('provider', 3)).toEqual({ type: 'string', maxLength: 3, 'x-faker': 'word.noun' });
  });

  it('lets a comment settle the meaning over the name', () => {
    expect(readColumnMeaning({ name: 'body_sig', baseType: 'text', root: false, siblings: [], comment: 'SHA-256 of the body, hex' })?.id).toBe('digest');
  });

  it('sizes digests by the algorithm named and the declared length', () => {
    expect(readColumnMeaning({ name: 'md5', baseType: 'text', root: false, siblings: [] })?.node.pattern).toBe('^[0-9a-f]{32}$');
    expect(readColumnMeaning({ name: 'sha1_checksum', baseType: 'text', root: false, siblings: [] })?.node.pattern).toBe('^[0-9a-f]{40}$');
    expect(readColumnMeaning({ name: 'file_hash', baseType: 'varchar', maxLength: 16, root: false, siblings: [] })?.node.pattern).toBe('^[0-9a-f]{16}$');
    expect(readColumnMeaning({ name: 'hash_algorithm', baseType: 'text', root: false, siblings: [] })).toBeUndefined();
  });

  it('skews role, status and plan labels: few admins, most members, most rows active', () => {
    const role = enumWeights('role', ['uber_admin', 'admin', 'member', 'viewer'])!;
    expect(role[0]).toBeLessThan(role[1]);
    expect(role[1]).toBeLessThan(role[3]);
    expect(role[3]).toBeLessThan(role[2]);
    const status = enumWeights('orderStatus', ['pending', 'active', 'failed'])!;
    expect(status[1]).toBeGreaterThan(status[0]);
    expect(status[2]).toBeLessThan(status[0]);
    expect(enumWeights('colour', ['red', 'green'])).toBeUndefined();
    expect(enumWeights('role', ['alpha', 'beta'])).toBeUndefined();
  });

  it('orders timestamps as their names imply, in any case', () => {
    expect(orderedAfter('updated_at', ['created_at'])).toEqual({ column: 'created_at', then: [], maxDays: 30 });
    expect(orderedAfter('updatedAt', ['createdAt'])).toEqual({ column: 'createdAt', then: [], maxDays: 30 });
    // Where the nearest is null in a row, the next one it follows.
    expect(orderedAfter('ended_at', ['created_at', 'started_at', 'last_activity_at'])).toEqual({ column: 'last_activity_at', then: ['started_at', 'created_at'], maxDays: 7 });
    expect(orderedAfter('endedAt', ['startedAt', 'lastActivityAt'])?.column).toBe('lastActivityAt');
    expect(orderedAfter('lastActivityAt', ['startedAt'])?.column).toBe('startedAt');
    expect(orderedAfter('expires_at', ['created_at', 'issued_at'])?.column).toBe('issued_at');
    expect(orderedAfter('created_at', ['updated_at'])).toBeUndefined();
    expect(orderedAfter('ended_at', [])).toBeUndefined();
  });

  it('orders timestamps wherever the catalog put them, and by the other rules names imply', () => {
    // Prisma and Alembic often put expires_at or invitedAt before the column it follows.
    expect(orderedAfter('expires_at', ['expires_at', 'created_at'])?.column).toBe('created_at');
    expect(orderedAfter('acceptedAt', ['acceptedAt', 'invitedAt', 'createdAt'])?.column).toBe('invitedAt');
    expect(orderedAfter('started_at', ['created_at'])?.column).toBe('created_at');
    expect(orderedAfter('read_at', ['sent_at', 'delivered_at'])?.column).toBe('delivered_at');
    expect(orderedAfter('paid_at', ['issued_at', 'created_at'])?.column).toBe('issued_at');
    expect(orderedAfter('deleted_at', ['created_at', 'updated_at'])?.column).toBe('updated_at');
  });

  it('never orders timestamps in a circle: a rule follows only stems that no later rule orders', () => {
    TIMESTAMP_ORDER.forEach((rule, i) => {
      const laterStems = TIMESTAMP_ORDER.slice(i).flatMap((r) => r.later);
      for (const stem of rule.after) expect({ rule: rule.later[0], follows: stem, ordered: laterStems.includes(stem) }).toEqual({ rule: rule.later[0], follows: stem, ordered: false });
    });
    // Every stem of the dictionary, each ordered after whatever it can be: following the chain always ends.
    const all = [...new Set(TIMESTAMP_ORDER.flatMap((r) => [...r.later, ...r.after]))].map((stem) => `${stem.replace(/ /g, '_')}_at`);
    for (const start of all) {
      const seen = new Set<string>();
      for (let at: string | undefined = start; at; at = orderedAfter(at, all)?.column) {
        expect(seen.has(at)).toBe(false);
        seen.add(at);
      }
    }
  });
});

describe('drafted values look like the columns they fill', () => {
  const statusLabels = ['pending', 'active', 'failed'];
  const roleLabels = ['admin', 'member', 'viewer'];
  const snapshot: SchemaSnapshot = {
    schema: 'public',
    roles: [],
    tables: [
      table('orgs', [col('id', 'uuid'), col('slug', 'text'), col('name', 'text')], [pk('id'), uq('slug')]),
      table('ai_calls', [
        col('org_id', 'uuid'), col('id', 'uuid'), col('content_hash', 'text'), col('etag', 'varchar', { maxLength: 32 }), col('api_token', 'text'),
        col('ip_address', 'text'), col('user_agent', 'text'), col('avatar_url', 'text'), col('domain', 'text'), col('mime_type', 'text'),
        col('file_name', 'text'), col('currency', 'varchar', { maxLength: 3 }), col('provider', 'text'), col('model', 'text'),
        col('prompt_tokens', 'int4'), col('cost_usd', 'numeric', { precision: 10, scale: 4 }), col('view_count', 'int4', { default: '0' }),
        col('status', 'call_status', { enumLabels: statusLabels }), col('role', 'member_role', { enumLabels: roleLabels }),
        col('is_admin', 'bool'), col('started_at', 'timestamptz', { default: 'now()' }), col('last_activity_at', 'timestamptz', { notNull: false }),
        col('ended_at', 'timestamptz', { notNull: false }), col('created_at', 'timestamptz'), col('updated_at', 'timestamptz'),
        col('body', 'text'), col('description', 'text'),
        col('review_state', 'text'), col('access_role', 'text', { default: "'member'::text" }), col('plan', 'varchar', { maxLength: 10 }),
      ], [pk('org_id', 'id'), fk(['org_id'], 'orgs', ['id'])]),
      table('people', [col('org_id', 'uuid'), col('id', 'uuid'), col('email', 'text'), col('role', 'org_role', { enumLabels: ['owner', 'admin', 'member'] })],
        [pk('org_id', 'id'), uq('org_id', 'email'), fk(['org_id'], 'orgs', ['id'])]),
      table('tickets', [
        col('org_id', 'uuid'), col('id', 'uuid'), col('created_by', 'uuid'), col('assigned_to', 'uuid'), col('resolved_by', 'uuid', { notNull: false }),
        col('expires_at', 'timestamptz'), col('created_at', 'timestamptz'),
      ], [pk('org_id', 'id'), fk(['org_id'], 'orgs', ['id']), fk(['org_id', 'created_by'], 'people', ['org_id', 'id']),
        fk(['org_id', 'assigned_to'], 'people', ['org_id', 'id']), fk(['org_id', 'resolved_by'], 'people', ['org_id', 'id'])]),
    ],
  };
  const tables: Record<string, Record<string, unknown>[]> = {};

  let rows: Record<string, unknown>[] = [];
  beforeAll(() => {
    const draft = draftProject(snapshot);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-meaning-'));
    try {
      fs.mkdirSync(path.join(dir, 'definitions'));
      fs.mkdirSync(path.join(dir, 'environments'));
      for (const [name, definition] of draft.definitions) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(definition));
      const profile = { ...draft.profile, counts: { ...(draft.profile.counts as object), ai_calls: 150, people: 12, tickets: 40 } };
      fs.writeFileSync(path.join(dir, 'environments', 'development.json'), JSON.stringify(profile));
      const plan = buildPlan({ definitions: loadDefinitions(path.join(dir, 'definitions')), profile: loadProfile(path.join(dir, 'environments'), 'development') });
      for (const t of plan.tables) {
        tables[t.name] = [...guardRows(t.rows(), new RowGuard(t, { strict: true }))].map((row) => Object.fromEntries(t.columns.map((c, i) => [c, (row as unknown[])[i]])));
      }
      rows = tables.ai_calls;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  const values = (column: string) => rows.map((r) => r[column]).filter((v) => v !== null && v !== undefined);

  it('makes enough rows to judge', () => {
    expect(rows.length).toBeGreaterThanOrEqual(150);
  });
  it('writes hashes as lowercase hex of the digest length, tokens as base64url', () => {
    for (const v of values('content_hash')) expect(v).toMatch(/^[0-9a-f]{64}$/);
    for (const v of values('etag')) expect(v).toMatch(/^[0-9a-f]{32}$/);
    for (const v of values('api_token')) expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set(values('content_hash')).size).toBe(rows.length);
  });
  it('writes IP addresses, user agents, URLs, domains, MIME types, file names and currencies', () => {
    for (const v of values('ip_address')) expect(net.isIPv4(v as string)).toBe(true);
    for (const v of values('user_agent')) expect(v).toMatch(/^[A-Za-z]+\/\d/);
    for (const v of values('avatar_url')) expect(new URL(v as string).protocol).toMatch(/^https?:$/);
    for (const v of values('domain')) expect(v).toMatch(/^[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    for (const v of values('mime_type')) expect(v).toMatch(/^[a-z]+\/[\w.+-]+$/);
    for (const v of values('file_name')) expect(v).toMatch(/\.\w+$/);
    for (const v of values('currency')) expect(v).toMatch(/^[A-Z]{3}$/);
  });
  it('names AI providers and models', () => {
    for (const v of values('provider')) expect(['openai', 'anthropic', 'google', 'mistral', 'cohere', 'azure-openai']).toContain(v);
    expect(new Set(values('model')).size).toBeGreaterThan(3);
  });
  it('skews counts and amounts: varied, non-negative, most values small', () => {
    for (const column of ['view_count', 'prompt_tokens', 'cost_usd']) {
      const numbers = values(column).map(Number).sort((a, b) => a - b);
      expect(numbers.every((n) => n >= 0)).toBe(true);
      expect(new Set(numbers).size).toBeGreaterThan(10);
      const mean = numbers.reduce((a, b) => a + b, 0) / numbers.length;
      const median = numbers[Math.floor(numbers.length / 2)];
      expect(median).toBeLessThan(mean);
    }
  });
  it('skews roles, statuses and flags: few admins, most rows active', () => {
    const share = (column: string, value: unknown) => values(column).filter((v) => v === value).length / rows.length;
    expect(share('role', 'admin')).toBeLessThan(share('role', 'member'));
    expect(share('role', 'admin')).toBeLessThan(0.2);
    expect(share('status', 'active')).toBeGreaterThan(0.5);
    expect(share('is_admin', true)).toBeLessThan(0.15);
  });
  it('draws a text status, role and plan (no CHECK, no enum type) from labels, skewed, never words', () => {
    const share = (column: string, value: unknown) => values(column).filter((v) => v === value).length / rows.length;
    expect(new Set(values('review_state'))).toEqual(new Set(['active', 'pending', 'inactive', 'archived']));
    expect(share('review_state', 'active')).toBeGreaterThan(0.5);
    // Drafted though the column has a default: one fixed role would make every row alike.
    expect(new Set(values('access_role'))).toEqual(new Set(['member', 'admin', 'viewer']));
    expect(share('access_role', 'admin')).toBeLessThan(0.2);
    expect(share('plan', 'free')).toBeGreaterThan(share('plan', 'enterprise'));
    expect(values('plan').every((v) => typeof v === 'string' && v.length <= 10)).toBe(true);
  });
  it('reads a state beside an address as a region, and beside an IP address as a status', () => {
    expect(readColumnMeaning({ name: 'state', baseType: 'text', root: false, siblings: ['street', 'city'] })?.id).toBe('region');
    expect(readColumnMeaning({ name: 'state', baseType: 'text', root: false, siblings: ['address_line_1'] })?.id).toBe('region');
    expect(readColumnMeaning({ name: 'state', baseType: 'text', root: false, siblings: ['ip_address', 'email_address'] })?.id).toBe('status');
  });
  it('keeps timestamps in the order their names imply', () => {
    for (const r of rows) {
      expect(String(r.updated_at) >= String(r.created_at)).toBe(true);
      if (r.last_activity_at !== null) expect(String(r.last_activity_at) >= String(r.started_at)).toBe(true);
      if (r.ended_at !== null && r.last_activity_at !== null) expect(String(r.ended_at) >= String(r.last_activity_at)).toBe(true);
    }
  });
  it('gives each tenant one owner (its first row), and no other row that role', () => {
    const owners = new Map<unknown, number>();
    for (const p of tables.people) if (p.role === 'owner') owners.set(p.org_id, (owners.get(p.org_id) ?? 0) + 1);
    expect(owners.size).toBe(new Set(tables.people.map((p) => p.org_id)).size);
    expect([...owners.values()].every((n) => n === 1)).toBe(true);
    expect(tables.people.filter((p) => p.role === 'member').length).toBeGreaterThan(tables.people.length / 2);
  });
  it('points several references of a row to one table at distinct rows', () => {
    expect(tables.tickets.length).toBeGreaterThan(100);
    for (const t of tables.tickets) {
      const people = [t.created_by, t.assigned_to, t.resolved_by].filter((v) => v !== null);
      expect(new Set(people).size).toBe(people.length);
    }
  });
  it('orders timestamps wherever the catalog put them (expires_at before created_at in the table)', () => {
    for (const t of tables.tickets) expect(String(t.expires_at) >= String(t.created_at)).toBe(true);
  });
  it('writes emails as first.last@domain, unique in their tenant without a row number', () => {
    for (const p of tables.people) expect(p.email).toMatch(/^[a-z0-9-]+\.[a-z0-9-']+@[a-z0-9-]+(\.[a-z0-9-]+)+$/);
    const keys = tables.people.map((p) => `${p.org_id} ${p.email}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('writes free text as English sentences, not Latin', () => {
    const latin = /\b(lorem|ipsum|dolor|amet|consectetur|adipisci|tempora|voluptas)\b/i;
    for (const column of ['body', 'description']) {
      for (const v of values(column)) {
        expect(v).not.toMatch(latin);
        expect((v as string).split(' ').length).toBeGreaterThan(3);
      }
    }
  });
});
