import type { SnapshotColumn, SnapshotConstraint } from '../db';
import type { DraftNode } from './column-schema';

/** A foreign key drafted as `x-foreign-keys`: the columns (tenant's left out) and the parent's. */
export interface CompositeDraft {
  readonly columns: string[];
  readonly table: string;
  readonly references: string[];
}

const TEXT_TYPES = ['text', 'varchar', 'citext', 'bpchar'];
const ID_NAME = /(^id$|_id$|[a-z0-9]Id$|^uuid$|_uuid$)/u;

/**
 * A foreign key that x-ref cannot say, as `x-foreign-keys`: over several columns besides the
 * tenant's ((tenant, user_id, email) to user_emails), or to a parent column that is not its id.
 * Each generated row then copies one existing parent row of its tenant. Undefined where the key
 * cannot be drawn so: the parent is unknown, the tenant root, the table itself, or reached only
 * across tenants (a tenant column paired with another column), or a column is drawn already.
 */
export function compositeReference(input: {
  readonly fk: SnapshotConstraint;
  readonly pairs: ReadonlyArray<readonly [string, string]>;
  readonly target?: { readonly tenantColumn?: string };
  readonly tenantColumn?: string;
  readonly root?: string;
  readonly own: string;
  readonly taken: readonly string[];
}): CompositeDraft | undefined {
  const { fk, pairs, target, tenantColumn } = input;
  if (!target || !fk.refTable || fk.refTable === input.root || fk.refTable === input.own || pairs.length === 0) return undefined;
  if (tenantColumn === undefined && target.tenantColumn !== undefined) return undefined;
  if (pairs.some(([c, r]) => c === tenantColumn || r === target.tenantColumn || input.taken.includes(c))) return undefined;
  return { columns: pairs.map(([c]) => c), table: fk.refTable, references: pairs.map(([, r]) => r) };
}

/**
 * The schema of a column whose values are copied from a parent row: the type of the parent's
 * column, without a generator (the parent makes the values).
 */
export function copiedColumnSchema(target: SnapshotColumn): DraftNode {
  if (target.baseType === 'uuid') return { type: 'string', format: 'uuid' };
  if (['int2', 'int4', 'int8'].includes(target.baseType)) return { type: 'integer' };
  if (['numeric', 'float4', 'float8'].includes(target.baseType)) return { type: 'number' };
  if (target.baseType === 'bool') return { type: 'boolean' };
  return { type: 'string' };
}

/**
 * Whether the last column of a key with several columns besides the tenant's is a value, not an
 * id: a text column not named like one (`email` in (tenant, user_id, email)). Its values are then
 * drafted from its name, drawn unique together with the key's other columns.
 */
export function notAnId(primaryKey: readonly string[], tenantColumn: string | undefined, column: SnapshotColumn): boolean {
  const own = primaryKey.filter((c) => c !== tenantColumn);
  return own.length > 1 && TEXT_TYPES.includes(column.baseType) && !ID_NAME.test(column.name);
}
