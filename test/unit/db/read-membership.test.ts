import { readMembershipChecks, reachableFunctions } from '../../../src/db/read-membership';
import type { SnapshotFunction } from '../../../src/db';

const fn = (name: string, body: string, extra: Partial<SnapshotFunction> = {}): SnapshotFunction => ({ schema: 'public', name, language: 'plpgsql', body, args: 1, ...extra });
const TABLES = ['memberships', 'users', 'organizations', 'documents'];
const TENANT = 'app.current_org';

/** Membership checks as teams write them in their context functions. */
describe('readMembershipChecks', () => {
  it('reads an EXISTS on the membership table that raises for a non-member', () => {
    const f = fn('set_org_context', `
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM memberships WHERE user_id = current_setting('app.current_user_id', true)::uuid AND organization_id = p_org) THEN
          RAISE EXCEPTION 'user is not a member of organization %', p_org USING ERRCODE = '42501';
        END IF;
        PERFORM set_config('app.current_org', p_org::text, true);
      END`);
    expect(readMembershipChecks([f], TABLES, TENANT)).toEqual([
      { function: 'public.set_org_context', tables: ['memberships'], userTable: undefined, userColumn: 'user_id', identity: { setting: 'app.current_user_id' } },
    ]);
  });

  it('reads a join to the users table, the user named by its email, the setting on the left', () => {
    const f = fn('enter_org', `
      BEGIN
        PERFORM 1 FROM memberships AS m JOIN users u ON u.id = m.user_id
         WHERE current_setting('app.user_email') = u.email AND m.organization_id = p_org;
        IF NOT FOUND THEN RAISE EXCEPTION 'not a member'; END IF;
        PERFORM set_config('app.current_org', p_org::text, true);
      END`);
    expect(readMembershipChecks([f], TABLES, TENANT)).toEqual([
      { function: 'public.enter_org', tables: ['memberships', 'users'], userTable: 'users', userColumn: 'email', identity: { setting: 'app.user_email' } },
    ]);
  });

  it('reads a variable assigned from the user setting, and a SQL function that reads it', () => {
    const viaVariable = fn('set_ctx', `
      DECLARE v_user uuid := nullif(current_setting('app.user_id', true), '')::uuid;
      BEGIN
        IF (SELECT count(*) FROM memberships m WHERE m.user_id = v_user AND m.organization_id = p_org) = 0 THEN RAISE EXCEPTION 'denied'; END IF;
        PERFORM set_config('app.current_org', p_org::text, true);
      END`);
    const currentUserId = fn('current_user_id', "SELECT nullif(current_setting('request.jwt.claims', true), '')::json->>'sub'", { language: 'sql', args: 0 });
    const isMember = fn('is_member', 'SELECT EXISTS (SELECT 1 FROM public.memberships WHERE organization_id = $1 AND user_id::text = current_user_id())', { language: 'sql' });
    const checks = readMembershipChecks([viaVariable, currentUserId, isMember], TABLES, TENANT);
    expect(checks.map((c) => [c.function, c.userTable, c.userColumn, c.identity])).toEqual([
      ['public.set_ctx', 'memberships', 'user_id', { setting: 'app.user_id' }],
      ['public.is_member', undefined, 'user_id', { setting: 'request.jwt.claims' }],
    ]);
    expect(reachableFunctions('select set_org(?)', [fn('set_org', 'BEGIN IF NOT is_member(p) THEN RAISE EXCEPTION \'no\'; END IF; END'), isMember, currentUserId]))
      .toEqual(['public.set_org', 'public.is_member', 'public.current_user_id']);
  });

  it('reads a check of the role (current_user, session_user)', () => {
    const f = fn('use_org', `SELECT set_config('app.current_org', org_id::text, true) FROM memberships WHERE member_role = session_user AND org_id = $1`, { language: 'sql' });
    expect(readMembershipChecks([f], TABLES, TENANT)).toEqual([
      { function: 'public.use_org', tables: ['memberships'], userTable: undefined, userColumn: 'member_role', identity: { role: 'session_user' } },
    ]);
  });

  it('reads operands to their boundaries (groupEnd): a key word or a literal holding one, a semicolon, a comma', () => {
    const f = fn('set_org', `
      DECLARE v_user uuid;
      BEGIN
        v_user := current_setting('app.user_id', true)::uuid;
        IF NOT EXISTS (SELECT 1, 'x' FROM memberships WHERE note <> 'a THEN b = c, d' AND user_id = v_user AND organization_id = p_org) THEN
          RAISE EXCEPTION 'not a member';
        END IF;
        PERFORM set_config('app.current_org', p_org::text, true);
      END`);
    expect(readMembershipChecks([f], TABLES, TENANT)).toEqual([
      { function: 'public.set_org', tables: ['memberships'], userTable: undefined, userColumn: 'user_id', identity: { setting: 'app.user_id' } },
    ]);
    const where = fn('enter', "SELECT set_config('app.current_org', $1::text, true) FROM memberships m WHERE m.member_email=current_setting('app.email') ORDER BY 1", { language: 'sql' });
    expect(readMembershipChecks([where], TABLES, TENANT).map((c) => [c.userTable, c.userColumn, c.identity])).toEqual([['memberships', 'member_email', { setting: 'app.email' }]]);
  });

  it('finds none where the user is an argument, where no table is read, and for the tenant setting itself', () => {
    expect(readMembershipChecks([
      // rawsql-app: the application passes the user; the session names none.
      fn('validate_user_organization_membership', 'BEGIN RETURN EXISTS (SELECT 1 FROM user_organizations WHERE user_id = p_user_id AND organization_id = p_organization_id AND is_active); END'),
      fn('set_organization_context', "BEGIN PERFORM set_config('app.current_org', p_organization_id::TEXT, true); END"),
      fn('documents_of_org', "SELECT count(*) FROM documents WHERE organization_id = current_setting('app.current_org')::uuid", { language: 'sql' }),
      fn('plain', "SELECT current_setting('app.user_id') = 'x'", { language: 'sql' }),
    ], [...TABLES, 'user_organizations'], TENANT)).toEqual([]);
  });
});
