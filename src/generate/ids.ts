import type { SchemaNode } from '../definitions';
import { combine, keyedUuid, namedUuid, permute32 } from './keyed-random';

/**
 * How the ids of a table (its last primary-key column, the one references point at) are made:
 * - `uuid`: a keyed version-4-shaped UUID (`format: uuid`, or `x-generate: "uuid"`);
 * - `integer`: a keyed whole number, for `bigint` / `integer` ids (`type: integer`);
 * - `cuid`: a keyed 25-character text id like Prisma's `cuid()` (`x-generate: "cuid"`, or a
 *   plain `type: string` id without format, pattern, enum or generator).
 */
export type IdKind = 'uuid' | 'integer' | 'cuid';

/**
 * Rows of a tenant get integer ids in a block of their own: (tenant index + 1) * 2^bits + row + 1.
 * Block 0 is for tables without tenants and for legacy rows (row + 1, after the existing ids),
 * so legacy rows absorbed by the default tenant never share an id with generated rows.
 * Adding tenants or rows changes no id. The block is 2^32 ids (a bigint column), unless the
 * column's `maximum` is below 2^33 ({@link integerIdBlockBits}).
 */
const WIDE_BLOCK_BITS = 32;

/**
 * The bits of a tenant's block of integer ids, from the id column's `maximum`. Without one, or
 * with one of 2^33 or more (bigint), 32 bits: ids as before. Below (an int4 / serial / integer
 * identity column: 2147483647), the column's bits are shared between tenants and rows: at most
 * 11 bits (2047 tenants) for the tenant, the rest for its rows (int4: 20 bits, 1048575 rows per
 * tenant and table; int2: 7 + 8 bits). Deterministic integers the database never has to assign,
 * so references, files and named fixtures know every id before anything is loaded.
 *
 * @example
 * integerIdBlockBits(2147483647) // 20
 */
export function integerIdBlockBits(maximum: unknown): number {
  if (typeof maximum !== 'number' || !Number.isFinite(maximum) || maximum >= 2 ** 33) return WIDE_BLOCK_BITS;
  const total = Math.max(1, Math.floor(Math.log2(Math.max(1, maximum) + 1)));
  return Math.max(1, total - Math.min(11, Math.floor(total / 2)));
}

function typesOf(schema: SchemaNode): string[] {
  return (Array.isArray(schema.type) ? schema.type : [schema.type]).filter((t): t is string => typeof t === 'string' && t !== 'null');
}

/** The kind of ids a column's schema asks for, or undefined when it is an ordinary value. */
export function idKindOf(schema: SchemaNode): IdKind | undefined {
  const generate = schema['x-generate'];
  if (generate === 'uuid' || (generate === undefined && schema.format === 'uuid')) return 'uuid';
  if (generate === 'cuid') return typeof schema.maxLength === 'number' && schema.maxLength < CUID_MIN_LENGTH ? undefined : 'cuid';
  if (generate !== undefined || schema.enum !== undefined || schema.const !== undefined || schema['x-faker'] !== undefined) return undefined;
  const types = typesOf(schema);
  if (types.length === 1 && types[0] === 'integer') return 'integer';
  // A varchar(n) id takes a cuid's first n characters: the first 8 are a bijection of the row
  // within its table and tenant, so no shorter column can hold distinct ids.
  if (typeof schema.maxLength === 'number' && schema.maxLength < CUID_MIN_LENGTH) return undefined;
  if (types.length === 1 && types[0] === 'string' && schema.format === undefined && schema.pattern === undefined) return 'cuid';
  return undefined;
}

/** The shortest text id: `c` and the 7 characters that are a bijection of the row. */
export const CUID_MIN_LENGTH = 8;

/** A text id cut to the column's `maxLength` (a `varchar(n)` id); other ids as they are. */
export function fitId(id: string | number, schema: SchemaNode | undefined): string | number {
  const max = schema?.maxLength;
  return typeof id === 'string' && typeof max === 'number' && id.length > max ? id.slice(0, max) : id;
}

function base36(word: number, width: number): string {
  return word.toString(36).padStart(width, '0');
}

/** A cuid-shaped id (`c` + 24 of [0-9a-z]) whose first 7 characters are a bijection of `row` for a key. */
function keyedCuid(key: number, row: number): string {
  const w0 = permute32(row, key);
  const w1 = combine(key, w0);
  const w2 = combine(w1, row);
  const w3 = combine(w2, key ^ 0x5bd1e995);
  return `c${base36(w0, 7)}${base36(w1, 7)}${base36(w2, 7)}${base36(w3, 7).slice(0, 3)}`;
}

/** Where an integer id falls: the tenant's block (by its index; none for block 0), after `offset` (ids the migrations made). */
export interface IntegerIdScope {
  readonly tenantIndex?: number;
  readonly offset: number;
  /** The bits of a tenant's block ({@link integerIdBlockBits}); 32 when not given. */
  readonly blockBits?: number;
}

/**
 * The id of row `row` (0-based) in a table and tenant. UUIDs and cuids are keyed by `key`
 * (seed, table, tenant); integers are positions, so that they fit a sequence: row + 1 after
 * `offset`, in a block of 2^32 per tenant (2^blockBits for a narrower column).
 *
 * @example
 * keyedId('integer', key, 0, { tenantIndex: 1, offset: 0 }) // 8589934593
 */
export function keyedId(kind: IdKind, key: number, row: number, scope: IntegerIdScope): string | number {
  switch (kind) {
    case 'uuid':
      return keyedUuid(key, row);
    case 'cuid':
      return keyedCuid(key, row);
    case 'integer':
      return (scope.tenantIndex === undefined ? 0 : (scope.tenantIndex + 1) * 2 ** (scope.blockBits ?? WIDE_BLOCK_BITS)) + scope.offset + row + 1;
  }
}

/**
 * The id of a named fixture, from a cryptographic digest of its name (so it is the same
 * whatever the seed), for uuid and cuid ids. Integer ids of named rows are positions
 * (`keyedId`): the named rows come first.
 */
export function namedTextId(kind: 'uuid' | 'cuid', digestHex: string): string {
  if (kind === 'cuid') {
    const word = (i: number) => parseInt(digestHex.slice(i * 8, i * 8 + 8), 16);
    return `c${base36(word(0), 7)}${base36(word(1), 7)}${base36(word(2), 7)}${base36(word(3), 7).slice(0, 3)}`;
  }
  return namedUuid(digestHex);
}

/** The largest integer among given values (ids the migrations made), or 0. */
export function largestInteger(values: readonly unknown[]): number {
  return values.reduce<number>((max, v) => (typeof v === 'number' && Number.isSafeInteger(v) && v > max ? v : max), 0);
}
