import { isTenantId, quoteLiteral, quoteSettingName, tenantContextStatements } from '../../../src/db';

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

describe('isTenantId: the shapes of a tenant id (a UUID, an integer, a cuid-like text id)', () => {
  const uuid = '6c1f0d7e-0000-4000-8000-00000000000a';

  it('takes a UUID in either case, and no other grouping, length or letter', () => {
    expect(isTenantId(uuid)).toBe(true);
    expect(isTenantId(uuid.toUpperCase())).toBe(true);
    // Each group one digit short, then one long: the five lengths are checked one by one.
    const groups = uuid.split('-');
    for (let g = 0; g < groups.length; g += 1) {
      for (const changed of [groups[g].slice(1), `${groups[g]}0`]) {
        expect(isTenantId(groups.map((x, k) => (k === g ? changed : x)).join('-'))).toBe(false);
      }
    }
    expect(isTenantId(uuid.replace('a', 'g'))).toBe(false);
    expect(isTenantId(uuid.replace(/-/g, ''))).toBe(false);
    // Anchored at both ends: nothing before or after (a string with an id in it is no id).
    expect(isTenantId(`x${uuid}`)).toBe(false);
    expect(isTenantId(`${uuid}'`)).toBe(false);
  });

  it('takes integers of 1 to 19 digits, as a number (safe, not negative) or as text', () => {
    expect(isTenantId('0')).toBe(true);
    expect(isTenantId('9'.repeat(19))).toBe(true);
    expect(isTenantId('9'.repeat(20))).toBe(false);
    expect(isTenantId('')).toBe(false);
    expect(isTenantId('-1')).toBe(false);
    expect(isTenantId('1 ')).toBe(false);
    expect(isTenantId(' 1')).toBe(false);
    expect(isTenantId('1;')).toBe(false);
    expect(isTenantId(0)).toBe(true);
    expect(isTenantId(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isTenantId(Number.MAX_SAFE_INTEGER + 1)).toBe(false);
    expect(isTenantId(-1)).toBe(false);
    expect(isTenantId(1.5)).toBe(false);
    expect(isTenantId(Number.NaN)).toBe(false);
  });

  it('takes a cuid-like id: a lower-case letter, then 19 to 31 lower-case letters or digits', () => {
    const cuid = 'c' + 'k9'.repeat(15); // 31 characters
    expect(isTenantId('clh3am8sd0000qwer1234'.slice(0, 20))).toBe(true);
    expect(isTenantId('clh3am8sd0000qwer1234'.slice(0, 19))).toBe(false);
    expect(isTenantId(`${cuid}x`)).toBe(true);
    expect(isTenantId(`${cuid}xy`)).toBe(false);
    expect(isTenantId(`1${cuid.slice(1)}`)).toBe(false);
    expect(isTenantId(cuid.toUpperCase())).toBe(false);
    expect(isTenantId(`${cuid.slice(0, 10)}_${cuid.slice(11)}`)).toBe(false);
    expect(isTenantId(` ${cuid}`)).toBe(false);
    expect(isTenantId(`${cuid};`)).toBe(false);
  });

  it('takes nothing else: null, a boolean, an object, a bigint', () => {
    for (const value of [null, undefined, true, {}, [1], BigInt(1)]) expect(isTenantId(value)).toBe(false);
  });
});
