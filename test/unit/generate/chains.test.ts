import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { buildPlan } from '../../../src/generate';
import { loadDefinitions, loadProfile, tenantChain } from '../../../src/definitions';
import { DefinitionError } from '../../../src/errors';

const uuid = { type: 'string', format: 'uuid' };
const def = (table: string, extra: Record<string, unknown>, properties: Record<string, unknown>) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', 'x-table': table, 'x-primary-key': ['id'],
  properties: { id: uuid, ...properties }, required: ['id', ...Object.keys(properties)], additionalProperties: false, ...extra,
});

/** Workspaces (tenants); agent sessions (tenant column); chat messages and attachments (a two-level chain); module events pointing at one of three tables. */
function definitions(change: (defs: Record<string, Record<string, unknown>>) => void = () => undefined): Record<string, Record<string, unknown>> {
  const defs: Record<string, Record<string, unknown>> = {
    workspaces: def('workspaces', { 'x-tenant-root': true, 'x-natural-key': 'slug' }, { slug: { type: 'string', 'x-generate': { template: 'ws-{row}' } } }),
    agent_sessions: def('agent_sessions', { 'x-tenant-column': 'workspace_id', 'x-count': { default: 4 } }, { workspace_id: uuid }),
    chat_messages: def('chat_messages', { 'x-tenant-via': 'session_id', 'x-count': { default: 10 } }, { session_id: { ...uuid, 'x-ref': 'agent_sessions.id' }, body: { type: 'string', maxLength: 40 } }),
    message_attachments: def('message_attachments', { 'x-tenant-via': 'message_id', 'x-count': { default: 6 } }, { message_id: { ...uuid, 'x-ref': 'chat_messages.id' } }),
    voice_sessions: def('voice_sessions', { 'x-tenant-column': 'workspace_id', 'x-count': { default: 2 } }, { workspace_id: uuid }),
    code_sessions: def('code_sessions', { 'x-tenant-via': 'agent_session_id', 'x-count': { default: 3 } }, { agent_session_id: { ...uuid, 'x-ref': 'agent_sessions.id' } }),
    doc_sessions: def('doc_sessions', { 'x-tenant-column': 'workspace_id', 'x-count': { default: 2 } }, { workspace_id: uuid }),
    module_events: def('module_events', { 'x-tenant-via': 'module_session_id', 'x-count': { default: 12 } }, {
      module_type: { enum: ['voice', 'code', 'doc'] },
      module_session_id: { ...uuid, 'x-ref-one-of': { discriminator: 'module_type', targets: { voice: 'voice_sessions', code: 'code_sessions', doc: 'doc_sessions' } } },
      message_id: { type: ['string', 'null'], format: 'uuid', 'x-ref': 'chat_messages.id', 'x-null-probability': 0.3 },
    }),
  };
  change(defs);
  return defs;
}

function writeProject(defs: Record<string, Record<string, unknown>>, tenants = 3): { definitions: string; environments: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-chains-'));
  fs.mkdirSync(path.join(dir, 'definitions'));
  fs.mkdirSync(path.join(dir, 'environments'));
  for (const [name, d] of Object.entries(defs)) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(d));
  fs.writeFileSync(path.join(dir, 'environments', 'test.json'), JSON.stringify({
    seed: 7, referenceDate: '2026-01-01T00:00:00Z', tenants: { named: [{ slug: 'acme' }, { slug: 'globex' }], generated: tenants - 2 }, counts: {},
  }));
  return { definitions: path.join(dir, 'definitions'), environments: path.join(dir, 'environments') };
}

function planOf(defs: Record<string, Record<string, unknown>>, seed?: number, tenants = 3) {
  const dirs = writeProject(defs, tenants);
  return buildPlan({ definitions: loadDefinitions(dirs.definitions), profile: loadProfile(dirs.environments, 'test'), seed });
}

/** The tenant of every row, table by table, followed through the chain as the database would. */
function tenantsOfRows(plan: ReturnType<typeof planOf>): Map<string, Map<unknown, unknown>> {
  const tenantOf = new Map<string, Map<unknown, unknown>>();
  for (const table of plan.tables) {
    const map = new Map<unknown, unknown>();
    tenantOf.set(table.name, map);
    const d = table.definition;
    for (const row of table.rows()) {
      const value = (c: string) => row[table.columns.indexOf(c)];
      if (d.tenantRoot) map.set(value('id'), value('id'));
      else if (d.tenantColumn) map.set(value('id'), value(d.tenantColumn));
      else if (d.tenantVia) {
        const column = d.columns.find((c) => c.name === d.tenantVia)!;
        const parent = column.ref ? column.ref.table : column.refOneOf!.targets[value(column.refOneOf!.discriminator) as string];
        map.set(value('id'), tenantOf.get(parent)!.get(value(column.name)));
      }
    }
  }
  return tenantOf;
}

describe('chain tables and polymorphic references', () => {
  it('tell their chain up to a tenant column', () => {
    const dirs = writeProject(definitions());
    const loaded = loadDefinitions(dirs.definitions);
    expect(tenantChain(loaded, 'message_attachments')!.map((h) => `${h.table}.${h.column} -> ${h.parents.join('|')}`)).toEqual([
      'message_attachments.message_id -> chat_messages', 'chat_messages.session_id -> agent_sessions',
    ]);
    expect(tenantChain(loaded, 'module_events')!.map((h) => `${h.table}.${h.column} -> ${h.parents.join('|')}`)).toEqual([
      'module_events.module_session_id -> voice_sessions|code_sessions|doc_sessions', 'code_sessions.agent_session_id -> agent_sessions',
    ]);
    expect(tenantChain(loaded, 'agent_sessions')).toEqual([]);
  });

  it('every chain and polymorphic row, and every other reference of theirs, sits in its parent\'s tenant, for any seed and tenant count', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 2, max: 6 }), (seed, tenants) => {
      const plan = planOf(definitions(), seed, tenants);
      const tenantOf = tenantsOfRows(plan);
      const events = plan.tables.find((t) => t.name === 'module_events')!;
      const types = new Set<unknown>();
      let checked = 0;
      for (const row of events.rows()) {
        const at = (c: string) => row[events.columns.indexOf(c)];
        const tenant = tenantOf.get('module_events')!.get(at('id'));
        expect(tenant).toBeDefined();
        types.add(at('module_type'));
        if (at('message_id') !== null) expect(tenantOf.get('chat_messages')!.get(at('message_id'))).toBe(tenant);
        checked++;
      }
      expect(checked).toBe(12 * tenants);
      expect(types.size).toBe(3);
      for (const table of ['chat_messages', 'message_attachments', 'code_sessions']) {
        const rows = [...tenantOf.get(table)!.values()];
        expect(rows.every((t) => t !== undefined)).toBe(true);
        // Each tenant has its own count of rows of a chain table.
        const perTenant = new Map<unknown, number>();
        for (const t of rows) perTenant.set(t, (perTenant.get(t) ?? 0) + 1);
        expect(perTenant.size).toBe(tenants);
      }
    }), { numRuns: 15 });
  });

  it('are generated the same way twice', () => {
    const rows = (plan: ReturnType<typeof planOf>) => plan.tables.map((t) => [...t.rows()]);
    expect(rows(planOf(definitions()))).toEqual(rows(planOf(definitions())));
  });

  it.each([
    ['a chain through a nullable column', (d: Record<string, Record<string, unknown>>) => {
      (d.chat_messages.properties as Record<string, Record<string, unknown>>).session_id.type = ['string', 'null'];
    }, /session_id is nullable/],
    ['a chain to a table of no tenant', (d: Record<string, Record<string, unknown>>) => {
      delete d.agent_sessions['x-tenant-column'];
      d.agent_sessions.properties = { id: uuid };
      d.agent_sessions.required = ['id'];
    }, /belongs to no tenant|cannot reference the tenant table/],
    ['a discriminator value without a table', (d: Record<string, Record<string, unknown>>) => {
      (d.module_events.properties as Record<string, Record<string, unknown>>).module_type.enum = ['voice', 'code', 'doc', 'video'];
    }, /"video" names no target table/],
    ['a discriminator without an enum', (d: Record<string, Record<string, unknown>>) => {
      (d.module_events.properties as Record<string, Record<string, unknown>>).module_type = { type: 'string' };
    }, /needs an "enum"/],
    ['a chain on a table with a tenant column', (d: Record<string, Record<string, unknown>>) => {
      d.voice_sessions['x-tenant-via'] = 'workspace_id';
    }, /x-tenant-via is for tables without one/],
    ['a chain table that references a tenant table without its chain', (d: Record<string, Record<string, unknown>>) => {
      delete d.message_attachments['x-tenant-via'];
    }, /has no tenant, so it cannot reference the tenant table chat_messages/],
  ])('refuse %s', (_title, change, message) => {
    const dirs = writeProject(definitions(change));
    expect(() => loadDefinitions(dirs.definitions)).toThrow(DefinitionError);
    expect(() => loadDefinitions(dirs.definitions)).toThrow(message);
  });
});
