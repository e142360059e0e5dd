import net from 'node:net';
import type { Knex } from 'knex';
import { MIGRATION_TOOL_TABLES, quoteIdentifier } from '../../src/db';

/**
 * Issue 34's acceptance on a fixture project, read from the database after `reset` (rows the
 * project's own draft made, with no source and no hand edit): no row breaks an order its
 * timestamps' names imply, every JSON column with a default, CHECK or comment has that shape,
 * and hashes, IP addresses, user agents, emails and URLs have their formats. The rules are
 * written here, from the column names and the catalog, not read from the dictionary under test
 * (src/introspect/column-meaning.ts).
 */

/** A meaning a fixture's schema has columns of: its test must then find and check some. */
export type MeaningCheck = 'order' | 'json' | 'hash' | 'ip' | 'user-agent' | 'email' | 'url' | 'owner';

interface Column {
  table: string;
  name: string;
  base: string;
  maxLength: number | null;
  default: string | null;
  comment: string | null;
}

/** later >= earlier, by the words of their names (`ended_at`, `endedAt`, `ended`). */
const ORDER_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['updated', 'created'], ['started', 'created'], ['last activity', 'started'], ['last activity', 'created'],
  ['ended', 'last activity'], ['ended', 'started'], ['ended', 'created'], ['finished', 'started'], ['completed', 'started'],
  ['resolved', 'created'], ['closed', 'created'], ['expires', 'issued'], ['expires', 'created'], ['accepted', 'invited'],
  ['accepted', 'created'], ['invited', 'created'], ['sent', 'created'], ['verified', 'created'], ['verified', 'sent'],
  ['delivered', 'sent'], ['read', 'delivered'], ['read', 'sent'], ['deleted', 'created'], ['deleted', 'updated'],
  ['paid', 'issued'], ['published', 'created'], ['processed', 'received'],
];

function stem(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !['at', 'on', 'date', 'time', 'ts', 'timestamp'].includes(w)).join(' ');
}
const words = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');

async function readColumns(knex: Knex): Promise<Column[]> {
  const rows = (await knex.raw(`
    SELECT c.relname AS table, a.attname AS name, coalesce(e.typname, t.typname) AS base,
           CASE WHEN a.atttypmod > 4 AND t.typname IN ('varchar', 'bpchar') THEN a.atttypmod - 4 END AS "maxLength",
           pg_get_expr(d.adbin, d.adrelid) AS default, col_description(a.attrelid, a.attnum) AS comment
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY 1, a.attnum`)).rows as Column[];
  return rows.filter((c) => MIGRATION_TOOL_TABLES[c.table] === undefined);
}

async function checksOf(knex: Knex): Promise<Array<{ table: string; definition: string }>> {
  return (await knex.raw(`SELECT conrelid::regclass::text AS table, pg_get_constraintdef(oid) AS definition FROM pg_constraint
     WHERE contype = 'c' AND connamespace = current_schema()::regnamespace`)).rows;
}

async function values(knex: Knex, column: Column): Promise<unknown[]> {
  return (await knex.raw(`SELECT ${quoteIdentifier(column.name)} AS v FROM ${quoteIdentifier(column.table)} WHERE ${quoteIdentifier(column.name)} IS NOT NULL`)).rows.map((r: { v: unknown }) => r.v);
}

/** The JSON type of a value as `jsonb_typeof` names it. */
const jsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/** The JSON a default's SQL literal holds, or the first object or array literal in a comment. */
function jsonIn(text: string | null): unknown {
  const literal = /^'((?:[^']|'')*)'::jsonb?$/.exec((text ?? '').trim());
  const source = literal ? literal[1].replace(/''/g, "'") : text ?? '';
  for (let start = 0; start < source.length; start++) {
    if (source[start] !== '{' && source[start] !== '[') continue;
    for (let end = source.length; end > start; end--) {
      try {
        const value: unknown = JSON.parse(source.slice(start, end));
        if (value && typeof value === 'object') return value;
      } catch {
        // Not JSON from start to end: a shorter span, or a later start.
      }
    }
  }
  return undefined;
}

/** Every key path of an object with the JSON type of its value (arrays: their first item's). */
function keyTypes(value: unknown, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  if (Array.isArray(value)) {
    if (value.length > 0) for (const [k, t] of keyTypes(value[0], `${prefix}[]`)) out.set(k, t);
    return out;
  }
  if (!value || typeof value !== 'object') return out;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const path = `${prefix}.${key}`;
    out.set(path, jsonType(v));
    for (const [k, t] of keyTypes(v, path)) out.set(k, t);
  }
  return out;
}

/**
 * Declares one test per meaning on the database the fixture's steps left (after reset), for
 * the `more` hook of a fixture spec. `covers`: the meanings the fixture's schema has columns
 * of, whose tests must then have found some (so that none passes by finding nothing).
 */
export function describeColumnMeanings(knex: () => Knex, covers: readonly MeaningCheck[]): void {
  const found = (meaning: MeaningCheck, n: number) => {
    if (covers.includes(meaning)) expect({ meaning, columns: n > 0 }).toEqual({ meaning, columns: true });
  };
  const columns = async (test: (c: Column) => boolean) => (await readColumns(knex())).filter(test);

  it('column meaning: no row breaks an order its timestamps\' names imply (created <= updated, started <= last activity <= ended, issued <= expires, ...)', async () => {
    const all = await columns((c) => c.base === 'timestamptz' || c.base === 'timestamp');
    let pairs = 0;
    for (const later of all) {
      for (const [laterStem, earlierStem] of ORDER_PAIRS) {
        if (stem(later.name) !== laterStem) continue;
        const earlier = all.find((c) => c.table === later.table && stem(c.name) === earlierStem);
        if (!earlier) continue;
        pairs++;
        const broken = Number((await knex().raw(`SELECT count(*) AS n FROM ${quoteIdentifier(later.table)} WHERE ${quoteIdentifier(later.name)} < ${quoteIdentifier(earlier.name)}`)).rows[0].n);
        expect({ table: later.table, rule: `${later.name} >= ${earlier.name}`, broken }).toEqual({ table: later.table, rule: `${later.name} >= ${earlier.name}`, broken: 0 });
      }
    }
    found('order', pairs);
  });

  it('column meaning: every JSON column with a default, a CHECK or a comment gets that shape', async () => {
    const checks = await checksOf(knex());
    const json = await columns((c) => c.base === 'jsonb' || c.base === 'json');
    let shaped = 0;
    for (const column of json) {
      const mine = checks.filter((k) => k.table.replace(/"/g, '') === column.table && k.definition.includes(column.name));
      const typeOf = mine.map((k) => new RegExp(`jsonb?_typeof\\(${column.name}\\) = '(\\w+)'`).exec(k.definition)?.[1]).find(Boolean);
      const required = mine.flatMap((k) => [...k.definition.matchAll(new RegExp(`(?:${column.name} \\? |jsonb_exists\\(${column.name}, )'([^']+)'`, 'g'))].map((m) => m[1]));
      const shape = new Map([...keyTypes(jsonIn(column.default)), ...keyTypes(jsonIn(column.comment))]);
      if (!typeOf && required.length === 0 && shape.size === 0) continue;
      shaped++;
      const rows = await values(knex(), column);
      expect(rows.length).toBeGreaterThan(0);
      const seen = new Set<string>();
      for (const v of rows) {
        if (typeOf) expect({ column: `${column.table}.${column.name}`, type: jsonType(v) }).toEqual({ column: `${column.table}.${column.name}`, type: typeOf });
        for (const key of required) expect(Object.keys(v as object)).toContain(key);
        for (const [path, type] of keyTypes(v)) {
          seen.add(path);
          // Every key of a row is one the schema shows, of the type it shows (a CHECK's required key: any type).
          const wanted = shape.get(path) ?? (required.includes(path.slice(1)) ? type : '(not in the schema)');
          expect({ column: `${column.table}.${column.name}`, path, type }).toEqual({ column: `${column.table}.${column.name}`, path, type: wanted });
        }
      }
      // The shape, not `{}`: every key the default or comment shows is in some row.
      for (const path of shape.keys()) expect({ column: `${column.table}.${column.name}`, path, seen: seen.has(path) }).toEqual({ column: `${column.table}.${column.name}`, path, seen: true });
    }
    found('json', shaped);
  });

  const formatTest = (meaning: MeaningCheck, title: string, applies: (c: Column) => boolean, check: (v: unknown, c: Column) => void) => {
    it(`column meaning: ${title}`, async () => {
      const matching = await columns(applies);
      for (const column of matching) {
        const rows = await values(knex(), column);
        expect({ column: `${column.table}.${column.name}`, rows: rows.length > 0 }).toEqual({ column: `${column.table}.${column.name}`, rows: true });
        for (const v of rows) check(v, column);
      }
      found(meaning, matching.length);
    });
  };
  const text = (c: Column) => ['text', 'varchar', 'bpchar', 'citext'].includes(c.base);

  formatTest('hash', 'hashes and digests are lowercase hex of their length (md5 32, sha1 40, else 64, within varchar(n))',
    (c) => text(c) && words(c.name).some((w) => ['hash', 'digest', 'checksum', 'sha256', 'sha1', 'md5'].includes(w)) && !words(c.name).some((w) => ['algorithm', 'algo', 'type'].includes(w)),
    (v, c) => {
      const named = words(c.name).includes('md5') ? 32 : words(c.name).includes('sha1') ? 40 : 64;
      expect({ column: c.name, v }).toEqual({ column: c.name, v: expect.stringMatching(new RegExp(`^[0-9a-f]{${Math.min(named, c.maxLength ?? named)}}$`)) });
    });
  formatTest('ip', 'IP addresses are addresses (inet, ip_address, ipAddress)',
    (c) => c.base === 'inet' || (text(c) && (words(c.name).includes('ip') || words(c.name).includes('ipv4'))),
    (v, c) => expect({ column: c.name, ip: net.isIP(String(v).replace(/\/\d+$/, '')) > 0 }).toEqual({ column: c.name, ip: true }));
  formatTest('user-agent', 'user agents are browsers\' and clients\' (Product/version ...)',
    (c) => text(c) && (stem(c.name) === 'user agent' || words(c.name).includes('useragent')),
    (v, c) => expect({ column: c.name, v }).toEqual({ column: c.name, v: expect.stringMatching(/^[A-Za-z][\w.-]*\/\d[\w.]*( |$)/) }));
  formatTest('email', 'emails look like a person\'s (first.last@domain), no row numbers or tenant names in the name',
    (c) => text(c) && words(c.name).some((w) => w === 'email' || w === 'mail'),
    (v, c) => expect({ column: c.name, v }).toEqual({ column: c.name, v: expect.stringMatching(/^[a-z'-]+(\.[a-z'-]+)*@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/) }));
  formatTest('url', 'URLs are http(s) URLs',
    (c) => text(c) && words(c.name).some((w) => ['url', 'uri', 'href', 'website', 'homepage'].includes(w)),
    (v, c) => expect({ column: c.name, protocol: new URL(String(v)).protocol }).toEqual({ column: c.name, protocol: expect.stringMatching(/^https?:$/) }));

  it('column meaning: a role column that names an owner has one owner per tenant', async () => {
    const checks = await checksOf(knex());
    const roles = await columns((c) => words(c.name).includes('role'));
    let owned = 0;
    for (const role of roles) {
      const labels = (await knex().raw(`SELECT e.enumlabel AS l FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_enum e ON e.enumtypid = a.atttypid
          WHERE c.relname = ? AND a.attname = ? AND c.relnamespace = current_schema()::regnamespace`, [role.table, role.name])).rows.map((r: { l: string }) => r.l);
      const checked = checks.filter((k) => k.table.replace(/"/g, '') === role.table && k.definition.includes(role.name)).flatMap((k) => [...k.definition.matchAll(/'([^']+)'/g)].map((m) => m[1]));
      const owner = [...labels, ...checked].find((l) => /^owner$/i.test(l));
      // The tenant column: the one whose foreign key points at the table the fixture's tenants live in is not known here;
      // a column named like a tenant's (organization_id, workspaceId, tenant) is.
      const tenant = (await readColumns(knex())).find((c) => c.table === role.table && /^(tenant|tenant_?id|organization_?id|org_?id|workspace_?id)$/i.test(c.name));
      if (!owner || !tenant) continue;
      // Rows with no tenant on purpose (platform admins: DESIGN.md, "rows with no tenant") are no tenant's: none is owed an owner.
      owned++;
      const counts = (await knex().raw(`SELECT ${quoteIdentifier(tenant.name)} AS t, count(*) FILTER (WHERE ${quoteIdentifier(role.name)}::text = ?) AS owners, count(*) AS n
          FROM ${quoteIdentifier(role.table)} WHERE ${quoteIdentifier(tenant.name)} IS NOT NULL GROUP BY 1`, [owner])).rows as Array<{ t: string; owners: string; n: string }>;
      expect(counts.length).toBeGreaterThan(1);
      for (const c of counts) expect({ table: role.table, tenant: c.t, owners: Number(c.owners) }).toEqual({ table: role.table, tenant: c.t, owners: 1 });
    }
    found('owner', owned);
  });
}
