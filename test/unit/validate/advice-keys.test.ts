import { adviseTables, TableFacts } from '../../../src/validate/advice';

/** Facts of one tenant table with no other gap than its keys: only the key rules can speak. */
function facts(keys: TableFacts['keys'], tenantTables: readonly string[] = ['projects', 'documents']): TableFacts {
  return {
    table: 'documents', tenantColumn: 'tenant_id', security: { enabled: true, forced: true }, ownedByApplication: false,
    policies: [{ name: 'iso', command: 'ALL', permissive: 'PERMISSIVE', using: "(tenant_id = (current_setting('app.t'))::uuid)", withCheck: null }],
    keys: [{ name: 'documents_pkey', kind: 'p', columns: ['tenant_id', 'id'], references: null }, ...keys],
    uniqueIndexesWithoutTenant: [], indexLedByTenant: true, tenantTables: new Set(tenantTables),
  };
}

const k03 = (f: TableFacts) => adviseTables([f]).filter((a) => a.rule === 'TS-K03').map((a) => [a.objects, a.message, a.severity]);

describe('advice TS-K03: a reference to another tenant table without the tenant column', () => {
  it('advises on a foreign key to a tenant table that leaves the tenant column out', () => {
    expect(k03(facts([{ name: 'documents_project_fkey', kind: 'f', columns: ['project_id'], references: 'projects' }]))).toEqual([
      [['documents_project_fkey'], "foreign key documents_project_fkey (project_id) references projects without tenant_id: a row may point at another tenant's row", 'medium'],
    ]);
  });

  it('says nothing of a key that carries the tenant column, in any place', () => {
    for (const columns of [['tenant_id', 'project_id'], ['project_id', 'tenant_id']]) {
      expect(k03(facts([{ name: 'documents_project_fkey', kind: 'f', columns, references: 'projects' }]))).toEqual([]);
    }
  });

  it('says nothing of a reference to a table that holds no tenant column (shared, or the tenant root)', () => {
    expect(k03(facts([{ name: 'documents_template_fkey', kind: 'f', columns: ['template_id'], references: 'templates' }]))).toEqual([]);
    expect(k03(facts([{ name: 'documents_tenant_fkey', kind: 'f', columns: ['tenant_id'], references: 'tenants' }]))).toEqual([]);
  });

  it('reads only foreign keys: a unique key of the same columns is TS-K02\'s', () => {
    const advice = adviseTables([facts([{ name: 'documents_project_key', kind: 'u', columns: ['project_id'], references: null }])]);
    expect(advice.map((a) => a.rule)).toEqual(['TS-K02']);
  });

  it('names each such key of a table, a self-reference included', () => {
    const found = k03(facts([
      { name: 'documents_parent_fkey', kind: 'f', columns: ['parent_id'], references: 'documents' },
      { name: 'documents_project_fkey', kind: 'f', columns: ['project_id'], references: 'projects' },
    ]));
    expect(found.map(([objects]) => objects)).toEqual([['documents_parent_fkey'], ['documents_project_fkey']]);
  });
});
