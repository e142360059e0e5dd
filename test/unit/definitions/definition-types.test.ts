import { definitionTypes } from '../../../src/definitions';
import type { ColumnDefinition, DefinitionSet, TableDefinition } from '../../../src/definitions';

function column(name: string, schema: Record<string, unknown>, nullable = false): ColumnDefinition {
  return { name, schema, nullable, collide: false, nullProbability: 0, spread: false, json: schema.type === 'object' || schema.type === 'array' };
}

function set(tables: Array<{ table: string; columns: ColumnDefinition[] }>): DefinitionSet {
  const defs = tables.map((t) => ({ ...t, file: `/defs/${t.table}.json` }) as unknown as TableDefinition);
  return { directory: '/defs', tables: defs, byName: new Map(defs.map((d) => [d.table, d])), cycleBreaks: [] };
}

describe('definitionTypes', () => {
  const text = definitionTypes(set([
    { table: 'Order Lines', columns: [
      column('id', { type: 'string', format: 'uuid' }),
      column('orgId', { type: 'integer' }),
      column('line total', { type: 'number' }),
      column('status', { enum: ['open', 'paid'] }),
      column('note', { type: ['string', 'null'] }, true),
      column('meta', { type: 'object' }),
      column('placed_at', { type: 'string', format: 'date-time' }),
    ] },
    { table: 'order_lines', columns: [column('id', { type: 'integer' })] },
  ]));

  it('keeps column names as the definitions spell them, quoting those that are not identifiers', () => {
    expect(text).toContain('  orgId: number;');
    expect(text).toContain('  "line total": number;');
  });

  it('writes nullable columns with | null, enums as unions, timestamps as string | Date', () => {
    expect(text).toContain('  note: string | null;');
    expect(text).toContain('  status: "open" | "paid";');
    expect(text).toContain('  placed_at: string | Date;');
    expect(text).toContain('  meta: Record<string, unknown>;');
  });

  it('maps every table name, quoted where needed, to a distinct row type', () => {
    expect(text).toContain('  "Order Lines": OrderLinesRow;');
    expect(text).toContain('  order_lines: OrderLinesRow2;');
  });

  it('types fixtures.tenant and fixtures.user by the root and the tables whose natural key is an email, in a $fixtures member', () => {
    const root = { table: 'Orgs', columns: [column('id', { type: 'string' }), column('slug', { type: 'string' })], naturalKey: 'slug' };
    const people = (table: string) => ({ table, columns: [column('id', { type: 'string' }), column('mail', { type: 'string', format: 'email' })], naturalKey: 'mail' });
    const defs = set([root, people('members'), people('admins'), { table: 'notes', columns: [column('id', { type: 'string' })] }]);
    const typed = definitionTypes({ ...defs, tenantRoot: defs.byName.get('Orgs') } as DefinitionSet);
    expect(typed).toContain('  readonly $fixtures?: { tenant: OrgsRow; user: MembersRow | AdminsRow };');
    expect(definitionTypes(set([{ table: 'notes', columns: [column('id', { type: 'string' })] }]))).not.toContain('$fixtures');
  });
});
