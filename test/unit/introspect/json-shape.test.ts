import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SchemaSnapshot, SnapshotColumn } from '../../../src/db';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan } from '../../../src/generate';
import { draftProject } from '../../../src/introspect';
import { jsonInComment, jsonShape } from '../../../src/introspect/json-shape';
import { readCheck } from '../../../src/introspect/read-check';

describe('JSON columns get a shape from their default and CHECKs', () => {
  it('reads jsonb_typeof and ? / ?& key checks as pg_get_constraintdef prints them', () => {
    expect(readCheck("CHECK ((jsonb_typeof(settings) = 'object'::text))")).toEqual({ read: true, column: 'settings', facts: { jsonType: 'object' } });
    expect(readCheck("CHECK (((jsonb_typeof(settings) = 'object'::text) AND (settings ? 'theme'::text)))"))
      .toEqual({ read: true, column: 'settings', facts: { jsonType: 'object', jsonKeys: ['theme'] } });
    expect(readCheck("CHECK ((\"metaData\" ?& ARRAY['source'::text, 'version'::text]))")).toEqual({ read: true, column: 'metaData', facts: { jsonKeys: ['source', 'version'] } });
    // The operators' functions, as written where `?` is a placeholder (Knex, JDBC), printed by pg_get_constraintdef.
    expect(readCheck("CHECK (((jsonb_typeof(schedule) = 'object'::text) AND jsonb_exists(schedule, 'cron'::text) AND jsonb_exists_all(schedule, ARRAY['timezone'::text, 'zone'::text])))"))
      .toEqual({ read: true, column: 'schedule', facts: { jsonType: 'object', jsonKeys: ['cron', 'timezone', 'zone'] } });
  });

  it('takes the default\'s keys and types, never its values; CHECK keys are required; the CHECK type wins', () => {
    const shape = jsonShape(`'{"theme": "secret-default", "beta": false, "limits": {"seats": 5}, "tags": ["x"]}'::jsonb`, { jsonKeys: ['plan'] });
    expect(shape).toMatchObject({
      type: 'object', required: ['plan'],
      properties: { theme: { type: 'string' }, beta: { type: 'boolean' }, limits: { type: 'object', properties: { seats: { type: 'integer' } } }, tags: { type: 'array' }, plan: { type: 'string' } },
    });
    expect(JSON.stringify(shape)).not.toContain('secret-default');
    expect(jsonShape(`'{}'::jsonb`, {})).toEqual({ type: 'object' });
    expect(jsonShape(undefined, {})).toEqual({ type: 'object' });
    expect(jsonShape(`'{}'::jsonb`, { jsonType: 'array' })).toMatchObject({ type: 'array' });
    expect(jsonShape(`'[1, 2]'::jsonb`, {})).toMatchObject({ type: 'array', items: { type: 'integer' } });
  });

  it('reads the JSON a column comment shows: its keys and types, merged with the default\'s; strings by what their key means', () => {
    expect(jsonInComment('UI preferences, e.g. {"theme": "dark", "pageSize": 50} (see docs)')).toEqual({ theme: 'dark', pageSize: 50 });
    expect(jsonInComment('list of [{"url": "https://x.test", "weight": 1.5}]')).toEqual([{ url: 'https://x.test', weight: 1.5 }]);
    expect(jsonInComment('free-form settings {not json}')).toBeUndefined();
    const shape = jsonShape(`'{}'::jsonb`, {}, 'Shape: {"theme": "dark", "notify": {"email": "a@b.test", "daily": true}}');
    expect(shape).toMatchObject({ type: 'object', properties: { theme: { type: 'string' }, notify: { type: 'object', properties: { email: { format: 'email' }, daily: { type: 'boolean' } } } } });
    expect(JSON.stringify(shape)).not.toContain('dark');
    const merged = jsonShape(`'{"beta": false}'::jsonb`, {}, 'e.g. {"theme": "dark"}');
    expect(Object.keys(merged.properties as object).sort()).toEqual(['beta', 'theme']);
    // Numbers by their key's meaning: a count of retries small and skewed, a duration in ms.
    const numbers = jsonShape(`'{"retries": 3, "timeout_ms": 3000, "version": 2}'::jsonb`, {}).properties as Record<string, Record<string, unknown>>;
    expect(numbers.retries).toMatchObject({ type: 'integer', minimum: 0, maximum: 200, 'x-generate': { integer: [0, 200] } });
    expect(numbers.timeout_ms['x-generate']).toMatchObject({ integer: [5, 60000] });
    expect(numbers.version).toEqual({ type: 'integer', minimum: 0, maximum: 1000 });
    // A CHECK's type wins over a comment's.
    expect(jsonShape(undefined, { jsonType: 'array' }, '{"a": 1}')).toMatchObject({ type: 'array' });
  });

  it('a drafted definition makes rows of that shape in every row', () => {
    const col = (name: string, baseType: string, extra: Partial<SnapshotColumn> = {}) => ({ name, type: baseType, baseType, isArray: false, notNull: true, generated: false, ...extra }) as SnapshotColumn;
    const schema: SchemaSnapshot = {
      schema: 'public',
      roles: [],
      tables: [{
        schema: 'public', name: 'widgets', rows: 0, uniqueIndexes: [], policies: [], rlsEnabled: false, rlsForced: false,
        columns: [col('id', 'uuid'), col('prefs', 'jsonb', { default: `'{"theme": "dark", "beta": false, "seats": 3}'::jsonb` }), col('meta', 'jsonb')],
        constraints: [
          { name: 'pkey', kind: 'primary', columns: ['id'], definition: 'PRIMARY KEY (id)' },
          { name: 'meta_check', kind: 'check', columns: [], definition: "CHECK (((jsonb_typeof(meta) = 'object'::text) AND (meta ?& ARRAY['source'::text, 'version'::text])))" },
        ],
      }],
    };
    const draft = draftProject(schema);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-json-shape-'));
    try {
      fs.mkdirSync(path.join(dir, 'definitions'));
      fs.mkdirSync(path.join(dir, 'environments'));
      for (const [name, definition] of draft.definitions) fs.writeFileSync(path.join(dir, 'definitions', `${name}.json`), JSON.stringify(definition));
      fs.writeFileSync(path.join(dir, 'environments', 'development.json'), JSON.stringify(draft.profile));
      const plan = buildPlan({ definitions: loadDefinitions(path.join(dir, 'definitions')), profile: loadProfile(path.join(dir, 'environments'), 'development') });
      const widgets = plan.tables.find((t) => t.name === 'widgets')!;
      const rows = [...widgets.rows()].map((r) => Object.fromEntries(widgets.columns.map((c, i) => [c, r[i]])));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const meta = row.meta as Record<string, unknown>;
        expect(Object.keys(meta)).toEqual(expect.arrayContaining(['source', 'version']));
        const prefs = row.prefs as Record<string, unknown>;
        expect(prefs).toEqual(expect.any(Object));
        if ('beta' in prefs) expect(typeof prefs.beta).toBe('boolean');
        if ('seats' in prefs) expect(Number.isInteger(prefs.seats)).toBe(true);
        if ('theme' in prefs) expect(prefs.theme).not.toBe('dark');
      }
      expect(rows.some((r) => Object.keys(r.prefs as object).length > 0)).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });
});
