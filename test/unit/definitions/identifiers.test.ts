import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { quoteIdentifier, requoteName } from '../../../src/db';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan } from '../../../src/generate';
import { DefinitionError } from '../../../src/errors';
import { integerIdBlockBits, keyedId } from '../../../src/generate/ids';
import { fileNamePart } from '../../../src/load';
import { escapeTerminal } from '../../../src/report';

const S = 'https://json-schema.org/draft/2020-12/schema';

/** A folder of definitions written from objects, removed after the callback. */
function withDefinitions<T>(files: Record<string, object>, fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-ident-'));
  try {
    for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), JSON.stringify(content));
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const table = (name: string, properties: Record<string, object>, key: string[]) => ({
  $schema: S, type: 'object', 'x-table': name, 'x-primary-key': key, properties, additionalProperties: false,
});

describe('identifiers in definitions', () => {
  it('accepts tables and columns named as the catalog does: mixed case, reserved words, quotes, non-ASCII, 63 bytes', () => {
    const long = `${'ü'.repeat(31)}x`;
    expect(Buffer.byteLength(long)).toBe(63);
    const defs = withDefinitions({
      'a.json': table('User', { tenantId: { type: 'string', format: 'uuid' }, 'a "b"': { type: 'string' }, größe: { type: 'integer' }, [long]: { type: 'integer' } }, ['tenantId']),
      'b.json': table('order', { user: { type: 'string', format: 'uuid', 'x-ref': 'User.tenantId' } }, ['user']),
    }, loadDefinitions);
    expect(defs.byName.get('User')!.columns.map((c) => c.name)).toEqual(['tenantId', 'a "b"', 'größe', long]);
    expect(defs.byName.get('order')!.columns[0].ref).toEqual({ table: 'User', column: 'tenantId' });
  });

  it('refuses a name of more than 63 bytes of UTF-8 (PostgreSQL would cut it), naming the file and the pointer', () => {
    const long = 'ü'.repeat(32); // 32 characters, 64 bytes
    let error: unknown;
    try {
      withDefinitions({ 'a.json': table('t', { [long]: { type: 'integer' } }, [long]) }, loadDefinitions);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DefinitionError);
    expect((error as Error).message).toMatch(/a\.json at \/properties\/ü+: "ü+" is 64 bytes of UTF-8, but PostgreSQL identifiers hold at most 63/);
  });

  it('reads "table.column" at the dot that fits, takes the object form, and refuses a dotted reference that fits twice', () => {
    const parent = (name: string, column: string) => table(name, { [column]: { type: 'string', format: 'uuid' } }, [column]);
    const ref = (value: unknown) => table('child', { id: { type: 'string', format: 'uuid' }, p: { type: 'string', format: 'uuid', 'x-ref': value } }, ['id']);
    expect(withDefinitions({ 'p.json': parent('a.b', 'c'), 'c.json': ref('a.b.c') }, loadDefinitions).byName.get('child')!.columns[1].ref).toEqual({ table: 'a.b', column: 'c' });
    expect(withDefinitions({ 'p.json': parent('a', 'b.c'), 'c.json': ref({ table: 'a', column: 'b.c' }) }, loadDefinitions).byName.get('child')!.columns[1].ref).toEqual({ table: 'a', column: 'b.c' });
    expect(() => withDefinitions({ 'p.json': parent('a.b', 'c'), 'q.json': parent('a', 'b.c'), 'c.json': ref('a.b.c') }, loadDefinitions))
      .toThrow(/c\.json at \/properties\/p\/x-ref: "a\.b\.c" names a column in 2 ways/);
  });

  it('takes the id column from the key that holds one column besides the tenant', () => {
    const defs = withDefinitions({
      'root.json': { ...table('tenants', { id: { type: 'string', format: 'uuid' } }, ['id']), 'x-tenant-root': true },
      'users.json': {
        ...table('users', { tenant: { type: 'string', format: 'uuid' }, user_id: { type: 'integer' }, email: { type: 'string' } }, ['tenant', 'user_id', 'email']),
        'x-tenant-column': 'tenant', 'x-unique-keys': [['tenant', 'user_id']],
      },
    }, loadDefinitions);
    expect(defs.byName.get('users')!.idColumn).toBe('user_id');
    expect(defs.byName.get('tenants')!.idColumn).toBe('id');
  });
});

describe('identifiers in profiles', () => {
  it('names a tenant whose table has columns called scale and rows, under "values"', () => {
    const root = { ...table('Tenant', { id: { type: 'string', format: 'uuid' }, slug: { type: 'string' }, scale: { enum: ['small', 'large'] }, rows: { type: 'integer' } }, ['id']), 'x-tenant-root': true, 'x-natural-key': 'slug' };
    withDefinitions({ 'Tenant.json': root }, (dir) => {
      fs.mkdirSync(path.join(dir, 'env'));
      fs.writeFileSync(path.join(dir, 'env', 'test.json'), JSON.stringify({
        seed: 1, referenceDate: '2025-01-01T00:00:00Z', counts: {},
        tenants: { named: [{ values: { slug: 'acme', scale: 'large', rows: 7 }, scale: 2 }] },
      }));
      const profile = loadProfile(path.join(dir, 'env'), 'test');
      expect(profile.namedTenants[0]).toEqual({ values: { slug: 'acme', scale: 'large', rows: 7 }, scale: 2, rows: {} });
      const plan = buildPlan({ definitions: loadDefinitions(dir), profile });
      const [row] = [...plan.tables[0].rows()];
      expect(row.slice(1)).toEqual(['acme', 'large', 7]);
    });
  });
});

describe('the quoting helper', () => {
  it('quotes any name so that PostgreSQL reads it back, and never leaves a ? for Knex to bind', () => {
    fc.assert(fc.property(fc.string({ unit: 'grapheme', minLength: 1 }).filter((s) => !s.includes('\u0000')), (name) => {
      const quoted = quoteIdentifier(name);
      expect(quoted).not.toMatch(/\?/);
      if (quoted.startsWith('U&"')) {
        const inner = quoted.slice(3, -1).replace(/""/g, '"').replace(/\\003F/g, '?').replace(/\\\\/g, '\\');
        expect(inner).toBe(name);
      } else {
        expect(quoted.slice(1, -1).replace(/""/g, '"')).toBe(name);
      }
    }), { seed: 28, numRuns: 300 });
    expect(requoteName('public."why?"')).toBe('public.U&"why\\003F"');
    expect(requoteName('public."a""b"')).toBe('public."a""b"');
  });

  it('keeps file names inside the folder and reports on their lines', () => {
    expect(fileNamePart('../etc/passwd')).toBe('..%2Fetc%2Fpasswd');
    expect(fileNamePart('User')).toBe('User');
    expect(fileNamePart('größe')).toBe('größe');
    expect(escapeTerminal('a\nok  isolation\u001b[32m')).toBe('a\\u000aok  isolation\\u001b[32m');
  });
});

describe('integer ids', () => {
  it('fit an int4 column: 20 bits of row and 11 of tenant, and stay 2^32 blocks for bigint', () => {
    expect(integerIdBlockBits(2147483647)).toBe(20);
    expect(integerIdBlockBits(Number.MAX_SAFE_INTEGER)).toBe(32);
    expect(integerIdBlockBits(undefined)).toBe(32);
    expect(keyedId('integer', 0, 1048574, { tenantIndex: 2046, offset: 0, blockBits: 20 })).toBe(2147483647);
    expect(keyedId('integer', 0, 0, { tenantIndex: 1, offset: 0 })).toBe(2 ** 33 + 1);
  });
});
