import { quoteLiteral, quoteSettingName, tenantContextStatements } from '../../../src/db';

describe('the statements that set the tenant (PostgreSQL and Citus alike)', () => {
  it('propagates SET LOCAL to Citus workers first, then sets the role and the tenant as literals', () => {
    expect(tenantContextStatements({ setting: 'app.current_company_id', appRole: 'enpyco_app', adminRole: 'enpyco_admin' }, '6c1f0d7e-0000-4000-8000-000000000001')).toEqual([
      "SET LOCAL citus.propagate_set_commands TO 'local'",
      'SET LOCAL ROLE "enpyco_app"',
      `SET LOCAL "app"."current_company_id" TO '6c1f0d7e-0000-4000-8000-000000000001'`,
    ]);
  });

  it('can leave the role out (a transaction that set it already), and takes integer ids', () => {
    expect(tenantContextStatements({ setting: 'app.tenant', appRole: 'app', adminRole: 'admin' }, 42, { role: false })).toEqual([
      "SET LOCAL citus.propagate_set_commands TO 'local'",
      `SET LOCAL "app"."tenant" TO '42'`,
    ]);
  });

  it('calls the project\'s own setContext SQL, the id as a literal in place of $1, after the role', () => {
    const tenancy = { setting: 'app.current_organization_id', appRole: 'web', adminRole: 'admin', setContext: 'select set_org_context($1)' };
    expect(tenantContextStatements(tenancy, '6c1f0d7e-0000-4000-8000-000000000001')).toEqual([
      "SET LOCAL citus.propagate_set_commands TO 'local'",
      'SET LOCAL ROLE "web"',
      "select set_org_context('6c1f0d7e-0000-4000-8000-000000000001')",
    ]);
    expect(tenantContextStatements({ ...tenancy, setContext: 'select enter($1, $10)' }, 7, { role: false }).at(-1)).toBe("select enter('7', $10)");
  });

  it('quotes literals and setting names so that no value can end the statement', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(quoteSettingName('app."x')).toBe('"app"."""x"');
  });
});
