import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { TenancyNames } from '../../src/config';
import { createKnex } from '../../src/db';
import { loadDefinitions } from '../../src/definitions';
import { createScratchDatabase, ScratchDatabase } from '../../src/testing';
import { validateDatabase } from '../../src/validate';
import { checkIsolation } from '../../src/validate/check-isolation';
import type { CheckContext } from '../../src/validate/types';
import { testServer } from '../support/database';

/**
 * The isolation probes on small schemas built in SQL, each broken exactly one way (one schema
 * per shape in one database, made once): fast enough to run against every mutant of the probes
 * (`STRYKER_SCOPE=probes`, docs/reliability.md). Each probe both ways: the shape as it should be
 * passes, the broken shape fails naming the table and the cause. Messages are matched whole.
 */
const definitions = loadDefinitions(path.join(__dirname, '../fixtures/probe-shapes/definitions'));
const suffix = `${process.pid}_${randomBytes(3).toString('hex')}`;
const app = `probes_app_${suffix}`;
const staff = `probes_staff_${suffix}`;
const outsider = `probes_outsider_${suffix}`;
const bypassing = `probes_bypass_${suffix}`;
const superuser = `probes_super_${suffix}`;
const ROLES = [app, staff, outsider, bypassing, superuser];

/** Tenants A, B, C: their ids sort in that order, so the probes act as A, B, C and write to B, C, A. */
const TENANT = { A: '00000000-0000-4000-8000-00000000000a', B: '00000000-0000-4000-8000-00000000000b', C: '00000000-0000-4000-8000-00000000000c' };
const id = (n: number) => `10000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
/** Items: A has 2, B 3 (one titled 'shared'), C 1; one item has no tenant. Each item has one note. */
const ITEMS: Array<[number, string | null, string]> = [
  [1, TENANT.A, 'a1'], [2, TENANT.A, 'a2'], [3, TENANT.B, 'b1'], [4, TENANT.B, 'b2'], [5, TENANT.B, 'shared'], [6, TENANT.C, 'c1'], [7, null, 'platform'],
];
const TENANT_OF = 'current_setting(\'app.tenant_id\')::uuid';

/** The shape as it should be: every tenant table forced under a policy on the tenant setting. */
function baseShape(s: string): string[] {
  return [
    `CREATE SCHEMA ${s}`,
    `CREATE TABLE ${s}.tenants (id uuid PRIMARY KEY, name text NOT NULL)`,
    `CREATE TABLE ${s}.items (id uuid PRIMARY KEY, tenant_id uuid REFERENCES ${s}.tenants (id), title text NOT NULL)`,
    `CREATE TABLE ${s}.item_notes (id uuid PRIMARY KEY, item_id uuid NOT NULL REFERENCES ${s}.items (id) ON DELETE CASCADE, body text NOT NULL)`,
    `CREATE TABLE ${s}.plans (id int PRIMARY KEY, name text NOT NULL)`,
    `INSERT INTO ${s}.tenants VALUES ${Object.entries(TENANT).map(([name, t]) => `('${t}', '${name}')`).join(', ')}`,
    `INSERT INTO ${s}.items VALUES ${ITEMS.map(([n, t, title]) => `('${id(n)}', ${t ? `'${t}'` : 'NULL'}, '${title}')`).join(', ')}`,
    `INSERT INTO ${s}.item_notes VALUES ${ITEMS.map(([n]) => `('${id(100 + n)}', '${id(n)}', 'note')`).join(', ')}`,
    `INSERT INTO ${s}.plans VALUES (1, 'free'), (2, 'paid')`,
    ...['tenants', 'items', 'item_notes'].map((t) => `ALTER TABLE ${s}.${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${s}.${t} FORCE ROW LEVEL SECURITY`),
    `CREATE POLICY own_row ON ${s}.tenants USING (id = ${TENANT_OF})`,
    `CREATE POLICY tenant_rows ON ${s}.items USING (tenant_id = ${TENANT_OF})`,
    `CREATE POLICY through_item ON ${s}.item_notes USING (EXISTS (SELECT 1 FROM ${s}.items i WHERE i.id = item_id))`,
    `GRANT USAGE ON SCHEMA ${s} TO ${app}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${s} TO ${app}`,
  ];
}

/**
 * A membership table and a check on it (SECURITY DEFINER: it reads memberships before any tenant
 * is set). Functions are named after their shape: the catalog reader reads every schema's functions.
 */
const membershipTable = (s: string) => [
  `CREATE TABLE ${s}.members_${s} (tenant_id uuid NOT NULL REFERENCES ${s}.tenants (id), user_name text NOT NULL)`,
  `INSERT INTO ${s}.members_${s} VALUES ('${TENANT.A}', 'ann'), ('${TENANT.B}', 'bob'), ('${TENANT.C}', 'cy')`,
  `ALTER TABLE ${s}.members_${s} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${s}.members_${s} FORCE ROW LEVEL SECURITY`,
  `CREATE POLICY tenant_rows ON ${s}.members_${s} USING (tenant_id = ${TENANT_OF})`,
  `GRANT SELECT ON ${s}.members_${s} TO ${app}`,
  `CREATE FUNCTION ${s}.is_member_${s}(t uuid) RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER SET search_path = ${s} AS $$
     SELECT EXISTS (SELECT 1 FROM members_${s} m WHERE m.tenant_id = t AND m.user_name = current_setting('app.user_name', true)) $$`,
];
/** `tenancy.setContext` of a shape with a context function: `enter_<shape>`, which `body` defines. */
const context = (body: (s: string) => string[], tenancy: Partial<TenancyNames> = {}) => ({
  sql: body, tenancy: { setContext: 'select enter_<shape>($1)', ...tenancy },
});
const enter = (s: string, body: string, language = 'plpgsql') => `CREATE FUNCTION ${s}.enter_${s}(t uuid) RETURNS void LANGUAGE ${language} AS $$ ${body} $$`;
const enterChecked = (s: string) => enter(s, `BEGIN
    IF NOT ${s}.is_member_${s}(t) THEN RAISE EXCEPTION 'not a member of %', t USING ERRCODE = 'insufficient_privilege'; END IF;
    PERFORM set_config('app.tenant_id', t::text, true);
  END`);
const enterUnchecked = (s: string) => enter(s, `BEGIN PERFORM set_config('app.tenant_id', t::text, true); END`);
const membershipRule = (s: string) => ({ table: `members_${s}`, tenantColumn: 'tenant_id', userColumn: 'user_name', setting: 'app.user_name' });

/** Each shape: its SQL after the base shape, and the tenancy it is validated with. */
const SHAPES: Record<string, { sql: (s: string) => string[]; tenancy?: Partial<TenancyNames> }> = {
  sound: { sql: () => [] },
  foreign_rows: { sql: (s) => [`CREATE POLICY leak ON ${s}.items FOR SELECT USING (title = 'shared')`] },
  every_command: { sql: (s) => [`CREATE POLICY leak ON ${s}.items USING (true)`] },
  update_all: { sql: (s) => [`CREATE POLICY leak ON ${s}.items FOR UPDATE USING (true)`] },
  // Every tenant holds an item titled 'a1', unique per tenant: moving them all to one tenant collides.
  update_all_unique: {
    sql: (s) => [`UPDATE ${s}.items SET title = 'a1' WHERE title IN ('b1', 'c1')`, `ALTER TABLE ${s}.items ADD UNIQUE (tenant_id, title)`,
      `CREATE POLICY leak ON ${s}.items FOR UPDATE USING (true)`],
  },
  delete_all: { sql: (s) => [`CREATE POLICY leak ON ${s}.items FOR DELETE USING (true)`] },
  // No key on the id alone: the copied row then only meets row-level security.
  insert_any: {
    sql: (s) => [`ALTER TABLE ${s}.items DROP CONSTRAINT items_pkey CASCADE`, `DROP POLICY tenant_rows ON ${s}.items`,
      `CREATE POLICY tenant_rows ON ${s}.items USING (tenant_id = ${TENANT_OF}) WITH CHECK (true)`],
  },
  insert_checked: { sql: (s) => [`ALTER TABLE ${s}.items DROP CONSTRAINT items_pkey CASCADE`] },
  null_rows: { sql: (s) => [`CREATE POLICY platform ON ${s}.items FOR SELECT USING (tenant_id IS NULL)`] },
  // The tenant policy reads the setting with missing_ok: with no tenant set it admits nothing and raises nothing.
  no_tenant: {
    sql: (s) => [`DROP POLICY tenant_rows ON ${s}.items`, `CREATE POLICY tenant_rows ON ${s}.items USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)`,
      `CREATE POLICY no_tenant ON ${s}.items FOR SELECT USING (current_setting('app.tenant_id', true) IS NULL)`],
  },
  bypass_on: { sql: (s) => [`CREATE POLICY bypass ON ${s}.items USING (current_setting('app.bypass_rls', true) = 'on')`] },
  bypass_yes: { sql: (s) => [`CREATE POLICY support ON ${s}.items FOR SELECT USING (current_setting('app.support_mode', true) = 'yes')`] },
  bypass_restrictive: { sql: (s) => [`CREATE POLICY bypass ON ${s}.items AS RESTRICTIVE USING (current_setting('app.bypass_rls', true) = 'on' OR tenant_id = ${TENANT_OF})`] },
  session_user_branch: { sql: (s) => [`CREATE POLICY app_login ON ${s}.items FOR SELECT USING (session_user = '${app}')`] },
  role_branch_elsewhere: { sql: (s) => [`CREATE POLICY auditors ON ${s}.items FOR SELECT USING (session_user = '${outsider}')`] },
  has_role_function: {
    sql: (s) => [
      `CREATE FUNCTION ${s}.is_staff() RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT pg_has_role(current_user, '${staff}', 'member') $$`,
      `CREATE POLICY staff_read ON ${s}.items FOR SELECT USING (${s}.is_staff())`,
    ],
  },
  to_granted_role: { sql: (s) => [`CREATE POLICY staff_all ON ${s}.items FOR SELECT TO ${staff} USING (true)`] },
  to_other_role: { sql: (s) => [`CREATE POLICY outsiders ON ${s}.items FOR SELECT TO ${outsider} USING (true)`] },
  chain_open: { sql: (s) => [`ALTER TABLE ${s}.item_notes DISABLE ROW LEVEL SECURITY`] },
  undeclared: { sql: (s) => [`CREATE TABLE ${s}.feature_flags (name text PRIMARY KEY)`, `INSERT INTO ${s}.feature_flags VALUES ('beta')`, `GRANT SELECT ON ${s}.feature_flags TO ${app}`] },
  // A policy that reads a table the application role may not: every read fails with 42501, with
  // a tenant and without (the tenant policy reads the setting with missing_ok, and raises nothing).
  secret_subquery: {
    sql: (s) => [`DROP POLICY tenant_rows ON ${s}.items`, `CREATE POLICY tenant_rows ON ${s}.items USING (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)`,
      `CREATE TABLE ${s}.secrets (x int)`, `CREATE POLICY secret ON ${s}.items AS RESTRICTIVE USING (NOT EXISTS (SELECT 1 FROM ${s}.secrets))`],
  },
  // A root policy that falls back to every row when no tenant is set.
  root_fallback: {
    sql: (s) => [`DROP POLICY own_row ON ${s}.tenants`, `CREATE POLICY own_row ON ${s}.tenants USING (id = coalesce(nullif(current_setting('app.tenant_id', true), '')::uuid, id))`],
  },
  // A policy through a function that raises when no tenant is set (P0001): a refusal.
  raise_without_tenant: {
    sql: (s) => [
      `CREATE FUNCTION ${s}.tenant_now() RETURNS uuid LANGUAGE plpgsql STABLE AS $$ BEGIN
         IF coalesce(current_setting('app.tenant_id', true), '') = '' THEN RAISE EXCEPTION 'no tenant set'; END IF;
         RETURN current_setting('app.tenant_id')::uuid; END $$`,
      `DROP POLICY tenant_rows ON ${s}.items`, `CREATE POLICY tenant_rows ON ${s}.items USING (tenant_id = ${s}.tenant_now())`,
    ],
  },
  // A policy that reads a setting no session sets (42704 naming it, not the tenant's).
  unknown_setting: { sql: (s) => [`CREATE POLICY region ON ${s}.items AS RESTRICTIVE USING (current_setting('app.region') = 'eu')`] },
  // With no tenant set, the policy casts a default that is no tenant id: 22P02 with a value.
  cast_default: {
    sql: (s) => [`DROP POLICY tenant_rows ON ${s}.items`, `CREATE POLICY tenant_rows ON ${s}.items USING (tenant_id = coalesce(current_setting('app.tenant_id', true), 'none')::uuid)`],
  },
  // A child whose key names its item's tenant: an UPDATE without WHERE moving an item with children fails with 23503.
  update_all_fk: {
    sql: (s) => [
      `ALTER TABLE ${s}.items ADD UNIQUE (tenant_id, id)`,
      `CREATE TABLE ${s}.item_tags (tenant_id uuid NOT NULL, item_id uuid NOT NULL, tag text NOT NULL, FOREIGN KEY (tenant_id, item_id) REFERENCES ${s}.items (tenant_id, id))`,
      `INSERT INTO ${s}.item_tags VALUES ('${TENANT.B}', '${id(3)}', 'red')`,
      `ALTER TABLE ${s}.item_tags ENABLE ROW LEVEL SECURITY; ALTER TABLE ${s}.item_tags FORCE ROW LEVEL SECURITY`,
      `CREATE POLICY tenant_rows ON ${s}.item_tags USING (tenant_id = ${TENANT_OF})`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.item_tags TO ${app}`,
      `CREATE POLICY leak ON ${s}.items FOR UPDATE USING (true)`,
    ],
  },
  root_delete: { sql: (s) => [`CREATE POLICY anyone_deletes ON ${s}.tenants FOR DELETE USING (true)`] },
  // The policy casts the setting to a type the tenant ids are not.
  cast_int: {
    sql: (s) => [`DROP POLICY tenant_rows ON ${s}.items`, `CREATE POLICY tenant_rows ON ${s}.items USING (tenant_id::text = current_setting('app.tenant_id')::int::text)`],
  },
  root_open: { sql: (s) => [`CREATE POLICY everyone ON ${s}.tenants FOR SELECT USING (true)`] },
  rls_disabled: { sql: (s) => [`ALTER TABLE ${s}.items DISABLE ROW LEVEL SECURITY`] },
  owned_unforced: { sql: (s) => [`ALTER TABLE ${s}.items OWNER TO ${app}`, `ALTER TABLE ${s}.items NO FORCE ROW LEVEL SECURITY`] },
  ungranted: { sql: (s) => [`REVOKE SELECT ON ${s}.items FROM ${app}`] },
  context_local: context((s) => [enter(s, `SELECT set_config('app.tenant_id', t::text, true)`, 'sql')]),
  context_session: context((s) => [enter(s, `SELECT set_config('app.tenant_id', t::text, false)`, 'sql')]),
  context_ignored: context((s) => [enter(s, `SELECT set_config('app.tenant_id', '${TENANT.A}', true)`, 'sql')]),
  context_elsewhere: context((s) => [enter(s, `SELECT set_config('app.org_id', t::text, true)`, 'sql')]),
  context_raises: context((s) => [enter(s, `BEGIN RAISE EXCEPTION 'no tenant today'; END`)]),
  membership_checked: context((s) => [...membershipTable(s), enterChecked(s)]),
  membership_skipped: context((s) => [...membershipTable(s), enterUnchecked(s)]),
  membership_declared: context((s) => [...membershipTable(s), `DROP FUNCTION ${s}.is_member_${s}(uuid)`, enterUnchecked(s)], { membership: membershipRule('membership_declared') }),
  // The bypass read through a function: named with the function.
  bypass_function: {
    sql: (s) => [
      `CREATE FUNCTION ${s}.bypass_flag() RETURNS text LANGUAGE sql STABLE AS $$ SELECT current_setting('app.bypass_rls', true) $$`,
      `CREATE FUNCTION ${s}.bypassing() RETURNS boolean LANGUAGE sql STABLE AS $$ SELECT ${s}.bypass_flag() = 'on' $$`,
      `CREATE POLICY bypass ON ${s}.items FOR SELECT USING (${s}.bypassing())`,
    ],
  },
  // A bypass on a chain table: every note shows, whoever its item's tenant.
  bypass_chain: { sql: (s) => [`CREATE POLICY bypass ON ${s}.item_notes FOR SELECT USING (current_setting('app.bypass_rls', true) = 'on')`] },
  // A bypass compared as a number: 9 is one; no value tried admits rows through regions (on and true cannot be cast: no bypass).
  bypass_cast: {
    sql: (s) => [`CREATE POLICY levels ON ${s}.items FOR SELECT USING (coalesce(current_setting('app.admin_level', true), '0')::int >= 9)`,
      `CREATE POLICY regions ON ${s}.items FOR SELECT USING (coalesce(current_setting('app.region_id', true), '0')::int < 0)`],
  },
  // A bypass on the tenant root: every tenant's row shows.
  bypass_root: { sql: (s) => [`CREATE POLICY bypass ON ${s}.tenants FOR SELECT USING (current_setting('app.bypass_rls', true) = 'on')`] },
  // A role test in a restrictive policy admits nothing by itself; on its own it would be a finding.
  role_branch_restrictive: { sql: (s) => [`CREATE POLICY staff_only ON ${s}.items AS RESTRICTIVE FOR SELECT USING (pg_has_role(current_user, '${staff}', 'member'))`] },
  // The root under an UPDATE policy of USING (true): an UPDATE without WHERE sets every row's id to the tenant's (23505).
  root_update: { sql: (s) => [`CREATE POLICY anyone_updates ON ${s}.tenants FOR UPDATE USING (true)`] },
  // The same with the root's key checked at commit: the UPDATE touches every row and fails nothing.
  root_update_deferred: {
    sql: (s) => [`ALTER TABLE ${s}.items DROP CONSTRAINT items_tenant_id_fkey`, `ALTER TABLE ${s}.tenants DROP CONSTRAINT tenants_pkey`,
      `ALTER TABLE ${s}.tenants ADD PRIMARY KEY (id) DEFERRABLE INITIALLY DEFERRED`, `CREATE POLICY anyone_updates ON ${s}.tenants FOR UPDATE USING (true)`],
  },
  // The role may UPDATE the root without reading it: UPDATE needs no SELECT when it reads no column.
  root_write_only: {
    sql: (s) => [`REVOKE SELECT ON ${s}.tenants FROM ${app}`, `CREATE POLICY anyone_updates ON ${s}.tenants FOR UPDATE USING (true)`,
      `CREATE TABLE ${s}.feature_flags (name text PRIMARY KEY)`, `INSERT INTO ${s}.feature_flags VALUES ('beta')`, `GRANT SELECT ON ${s}.feature_flags TO ${app}`],
  },
  // The role may not touch the root at all.
  // (Its policy reads the setting with missing_ok: a read of it with no tenant would fail on the privilege, 42501, not on the setting.)
  root_unreachable: {
    sql: (s) => [`REVOKE ALL ON ${s}.tenants FROM ${app}`, `DROP POLICY own_row ON ${s}.tenants`, `CREATE POLICY own_row ON ${s}.tenants USING (id = nullif(current_setting('app.tenant_id', true), '')::uuid)`],
  },
  // An undeclared table the role may read, under a policy that fails: still named, with the failure.
  undeclared_failing: {
    sql: (s) => [`CREATE TABLE ${s}.feature_flags (name text PRIMARY KEY)`, `GRANT SELECT ON ${s}.feature_flags TO ${app}`, `CREATE TABLE ${s}.secrets (x int)`,
      `ALTER TABLE ${s}.feature_flags ENABLE ROW LEVEL SECURITY`, `CREATE POLICY secret ON ${s}.feature_flags USING (NOT EXISTS (SELECT 1 FROM ${s}.secrets))`],
  },
  // A migration tool's ledger the role may read: shared, no finding.
  ledger: { sql: (s) => [`CREATE TABLE ${s}.knex_migrations (id serial PRIMARY KEY, name text)`, `INSERT INTO ${s}.knex_migrations (name) VALUES ('001_init.js')`, `GRANT SELECT ON ${s}.knex_migrations TO ${app}`] },
  // Three tenant tables, the last one leaking: each table's outcomes are read from their own place in the batch.
  third_table: {
    sql: (s) => [
      ...['labels', 'marks'].flatMap((t) => [
        `CREATE TABLE ${s}.${t} (id int PRIMARY KEY, tenant_id uuid NOT NULL REFERENCES ${s}.tenants (id))`,
        `INSERT INTO ${s}.${t} VALUES (1, '${TENANT.A}'), (2, '${TENANT.B}'), (3, '${TENANT.C}')`,
        `ALTER TABLE ${s}.${t} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${s}.${t} FORCE ROW LEVEL SECURITY`,
        `CREATE POLICY tenant_rows ON ${s}.${t} USING (tenant_id = ${TENANT_OF})`,
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ${s}.${t} TO ${app}`,
      ]),
      `CREATE POLICY leak ON ${s}.marks FOR SELECT USING (id = 3)`,
    ],
  },
  // A root that shows every row with no tenant set, whose UPDATEs a restrictive check refuses (42501): the UPDATE proves nothing, the DELETE still reaches rows.
  root_fallback_checked: {
    sql: (s) => [`DROP POLICY own_row ON ${s}.tenants`, `CREATE POLICY own_row ON ${s}.tenants USING (id = coalesce(nullif(current_setting('app.tenant_id', true), '')::uuid, id))`,
      `CREATE POLICY no_moves ON ${s}.tenants AS RESTRICTIVE FOR UPDATE USING (true) WITH CHECK (false)`],
  },
  // A root that shows every row with no tenant set, whose UPDATE a trigger stops with an error of its own: the UPDATE reached rows.
  root_fallback_trigger: {
    sql: (s) => [`DROP POLICY own_row ON ${s}.tenants`, `CREATE POLICY own_row ON ${s}.tenants USING (id = coalesce(nullif(current_setting('app.tenant_id', true), '')::uuid, id))`,
      `CREATE FUNCTION ${s}.frozen() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'tenants are frozen' USING ERRCODE = 'TS001'; END $$`,
      `CREATE TRIGGER frozen BEFORE UPDATE ON ${s}.tenants FOR EACH ROW EXECUTE FUNCTION ${s}.frozen()`],
  },
  membership_declared_checked: context((s) => [...membershipTable(s), enterChecked(s)], { membership: membershipRule('membership_declared_checked') }),
};

describe('the isolation probes, each both ways, on small schemas', () => {
  let db: ScratchDatabase;
  let admin: Knex;
  const opened: Knex[] = [];

  beforeAll(async () => {
    db = await createScratchDatabase(testServer(), { prefix: 'probes_mutants' });
    admin = createKnex(db.target);
    await admin.raw(`CREATE ROLE ${app} NOLOGIN; CREATE ROLE ${staff} NOLOGIN; CREATE ROLE ${outsider} NOLOGIN; GRANT ${staff} TO ${app};
      CREATE ROLE ${bypassing} NOLOGIN BYPASSRLS; CREATE ROLE ${superuser} NOLOGIN SUPERUSER`);
    await admin.raw(Object.entries(SHAPES).flatMap(([s, shape]) => [...baseShape(s), ...shape.sql(s)]).join(';\n'));
  });

  afterAll(async () => {
    await Promise.all(opened.map((k) => k.destroy()));
    await admin.destroy();
    await db.drop();
    const server = createKnex(testServer());
    try {
      for (const role of ROLES) await server.raw(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await server.destroy();
    }
  });

  function tenancyOf(shape: string): TenancyNames {
    const tenancy = SHAPES[shape].tenancy ?? {};
    return {
      setting: 'app.tenant_id', appRole: app, adminRole: `probes_admin_${suffix}`, ...tenancy,
      ...(tenancy.setContext ? { setContext: tenancy.setContext.replace('<shape>', shape) } : {}),
    };
  }

  /** A pool of one connection on the shape's schema: every transaction reuses the connection, as an application's pool does. */
  function knexOn(shape: string): Knex {
    const knex = createKnex(db.target, { searchPath: [shape], poolMax: 1 });
    opened.push(knex);
    return knex;
  }

  /** Tenant ids as A, B, C and this run's roles as APP, STAFF. */
  const letters = (text: string) => Object.entries({ ...TENANT, APP: app, STAFF: staff }).reduce((t, [name, value]) => t.split(value).join(name), text);

  /** The isolation check on a shape, called as validate calls it; its findings as `table [tenant]: message`, tenants by letter. */
  async function isolation(shape: string, options: { warm?: boolean; shared?: CheckContext['shared'] } = {}): Promise<{ ok: boolean; summary: string; findings: string[]; details: Record<string, unknown> }> {
    const knex = knexOn(shape);
    // As an application's pooled connection after a request: the setting was set locally, and now reads ''.
    if (options.warm) await knex.transaction((trx) => trx.raw(`SELECT set_config('app.tenant_id', '${TENANT.B}', true)`));
    const ctx: CheckContext = {
      knex, definitions, isolationSample: 3, jsonSample: 1, schemas: [shape], tenancy: tenancyOf(shape), shared: options.shared ?? [],
    };
    const result = await checkIsolation(ctx);
    const findings = result.details.findings.map((f) => letters(`${f.table ?? '-'}${f.tenant ? ` [${f.tenant}]` : ''}: ${f.message}`));
    return { ok: result.ok, summary: letters(result.details.summary), findings, details: result.details };
  }

  const NOTES_POLICY = 'policy through_item (to PUBLIC) admits {n} of them: USING (EXISTS ( SELECT 1\n   FROM items i\n  WHERE (i.id = item_notes.item_id)))';
  /** The chain table's findings when a tenant sees `n` notes of other tenants through items it should not see. */
  const notesLeak = (tenant: string, n: number) => [
    `item_notes [${tenant}]: sees ${n} row(s) of other tenants (or with no parent it may see): ${NOTES_POLICY.replace('{n}', String(n))}`,
    `item_notes [${tenant}]: deleted ${n} row(s) of other tenants`,
  ];
  const PASSED = 'own rows only, no writes across tenants, nothing without a tenant';

  it('passes the sound shape, on a pool whose one connection carries every transaction', async () => {
    // The tenant policy casts current_setting('app.tenant_id') to uuid: on the pooled connection,
    // after a transaction that set it locally, it reads '' and the cast raises 22P02: a refusal.
    expect(await isolation('sound')).toMatchObject({ ok: true, findings: [], summary: `3 tenants x 2 tables as APP: ${PASSED}` });
  });

  it('foreign rows visible: names the table, the tenant, the count and the permissive policy that admits them', async () => {
    const leak = "policy leak (to PUBLIC) admits 1 of them: USING (title = 'shared'::text)";
    expect(await isolation('foreign_rows')).toMatchObject({
      ok: false,
      summary: '6 isolation failure(s) as APP',
      findings: [`items [A]: sees 1 row(s) of other tenants: ${leak}`, ...notesLeak('A', 1), `items [C]: sees 1 row(s) of other tenants: ${leak}`, ...notesLeak('C', 1)],
    });
  });

  it('UPDATE and DELETE across tenants, with and without WHERE, and INSERT with another id: a policy for every command USING (true)', async () => {
    const { findings } = await isolation('every_command');
    expect(findings.filter((f) => f.startsWith('items [B]'))).toEqual([
      'items [B]: sees 1 row(s) without a tenant (tenant_id is NULL): policy leak (to PUBLIC) admits 1 of them: USING (true)',
      'items [B]: sees 3 row(s) of other tenants: policy leak (to PUBLIC) admits 3 of them: USING (true)',
      'items [B]: updated 1 row(s) of tenant C',
      'items [B]: deleted 1 row(s) of tenant C',
      'items [B]: an UPDATE without WHERE touched 7 row(s), 3 of them its own',
      'items [B]: a DELETE without WHERE touched 7 row(s), 3 of them its own',
      // The copy keeps its id, which the primary key holds once.
      'items [B]: inserting a row of tenant C failed with 23505, not with a row-level security violation',
    ]);
    expect(findings.filter((f) => !f.includes(' ['))).toEqual(['items: without a tenant, 7 row(s) are visible', 'item_notes: without a tenant, 7 row(s) are visible']);
    expect(findings).toHaveLength(29);
  });

  it('UPDATE and DELETE without WHERE: a policy for that command alone, USING (true)', async () => {
    expect((await isolation('update_all')).findings).toEqual(['A', 'B', 'C'].map((t, k) => `items [${t}]: an UPDATE without WHERE touched 7 row(s), ${[2, 3, 1][k]} of them its own`));
    expect((await isolation('delete_all')).findings).toEqual(['A', 'B', 'C'].map((t, k) => `items [${t}]: a DELETE without WHERE touched 7 row(s), ${[2, 3, 1][k]} of them its own`));
  });

  it('INSERT across tenants: WITH CHECK (true) lets a row of another tenant in; the USING clause as the check refuses it', async () => {
    expect(await isolation('insert_any')).toMatchObject({ ok: false, findings: ['items [A]: inserted a row of tenant B', 'items [B]: inserted a row of tenant C', 'items [C]: inserted a row of tenant A'] });
    expect(await isolation('insert_checked')).toMatchObject({ ok: true, findings: [] });
  });

  it('rows without a tenant: a policy that shows them to every tenant, and one that shows every row when no tenant is set', async () => {
    const platform = 'policy platform (to PUBLIC) admits 1 of them: USING (tenant_id IS NULL)';
    expect((await isolation('null_rows')).findings).toEqual(['A', 'B', 'C'].flatMap((t) => [`items [${t}]: sees 1 row(s) without a tenant (tenant_id is NULL): ${platform}`, ...notesLeak(t, 1)]));
    expect(await isolation('no_tenant')).toMatchObject({ ok: false, findings: ['items: without a tenant, 7 row(s) are visible', 'item_notes: without a tenant, 7 row(s) are visible'] });
  });

  it('a bypass policy on a setting the application role may set, compared with on or with yes; not when the branch is restrictive', async () => {
    expect((await isolation('bypass_on')).findings).toEqual(["items [A]: policy bypass admits 5 row(s) of other tenants when the application role sets app.bypass_rls to 'on'"]);
    expect((await isolation('bypass_yes')).findings).toEqual(["items [A]: policy support admits 5 row(s) of other tenants when the application role sets app.support_mode to 'yes'"]);
    const restrictive = await isolation('bypass_restrictive');
    expect(restrictive).toMatchObject({ ok: true, findings: [] });
    expect(restrictive.details.bypassSettings).toEqual(['bypass on items: app.bypass_rls']);
  });

  it('a role-test branch the application role satisfies (session_user; pg_has_role in a function); not one naming another role', async () => {
    expect((await isolation('session_user_branch')).findings).toEqual(["items: policy app_login admits every row to APP: its branch SESSION_USER = 'APP'::name is true for the application role"]);
    const staffRead = 'policy staff_read (to PUBLIC) admits {n} of them: USING (is_staff())';
    const hasRole = await isolation('has_role_function');
    expect(hasRole.findings.filter((f) => f.startsWith('items'))).toEqual([
      ...['A', 'B', 'C'].flatMap((t, k) => [
        `items [${t}]: sees 1 row(s) without a tenant (tenant_id is NULL): ${staffRead.replace('{n}', '1')}`,
        `items [${t}]: sees ${[4, 3, 5][k]} row(s) of other tenants: ${staffRead.replace('{n}', String([4, 3, 5][k]))}`,
      ]),
      "items: policy staff_read admits every row to APP: its branch pg_has_role(current_user, 'STAFF', 'member') (in has_role_function.is_staff) is true for the application role",
    ]);
    expect(hasRole.details.roleBranches).toEqual([`staff_read on items: pg_has_role(current_user, '${staff}', 'member') (in has_role_function.is_staff)`]);
    const elsewhere = await isolation('role_branch_elsewhere');
    expect(elsewhere).toMatchObject({ ok: true, findings: [] });
    expect(elsewhere.details.roleBranches).toEqual([`auditors on items: SESSION_USER = '${outsider}'::name`]);
  });

  it('a permissive policy to a role granted to the application role admits every row; to a role it is not granted, nothing', async () => {
    const { findings } = await isolation('to_granted_role');
    expect(findings.filter((f) => f.startsWith('items [C]'))).toEqual([
      'items [C]: sees 1 row(s) without a tenant (tenant_id is NULL): policy staff_all (to STAFF) admits 1 of them: USING (true)',
      'items [C]: sees 5 row(s) of other tenants: policy staff_all (to STAFF) admits 5 of them: USING (true)',
    ]);
    expect(findings).toHaveLength(14);
    expect(await isolation('to_other_role')).toMatchObject({ ok: true, findings: [] });
  });

  it('a chain table with no row security; a readable table neither isolated nor declared shared (a declared one passes)', async () => {
    expect((await isolation('chain_open')).findings).toEqual([
      ...['A', 'B', 'C'].flatMap((t, k) => [
        `item_notes [${t}]: sees ${[5, 4, 6][k]} row(s) of other tenants (or with no parent it may see): row-level security is disabled on it`,
        `item_notes [${t}]: deleted ${[5, 4, 6][k]} row(s) of other tenants`,
      ]),
      'item_notes: without a tenant, 7 row(s) are visible',
    ]);
    const undeclared = await isolation('undeclared');
    expect(undeclared.findings).toEqual(['feature_flags: APP can read it, but it is neither a tenant table nor declared shared ("x-global": true in its definition, or validate.shared in the config): A sees 1 row(s), B sees 1 row(s), C sees 1 row(s)']);
    expect(undeclared.details.shared).toEqual(['plans']);
  });

  it('a tenant root that falls back to every row without a tenant: read, UPDATE and DELETE reach them', async () => {
    expect((await isolation('root_fallback')).findings).toEqual([
      'tenants: without a tenant, 3 row(s) are visible',
      'tenants: without a tenant, UPDATE touched 3 row(s) of the tenant root',
      "tenants: without a tenant, DELETE reached rows (it failed with 23503: other tables' rows reference them)",
    ]);
  });

  it('a tenant root that shows every tenant', async () => {
    expect((await isolation('root_open')).findings).toEqual([
      ...['A', 'B', 'C'].map((t) => `tenants [${t}]: the tenant root shows tenant ${t} 2 row(s) of other tenants`),
      'tenants: without a tenant, 3 row(s) are visible',
    ]);
  });

  it('row-level security disabled, or not forced on a table the application role owns: named as the cause', async () => {
    const disabled = await isolation('rls_disabled');
    expect(disabled.findings.filter((f) => f.startsWith('items [A]: sees'))).toEqual([
      'items [A]: sees 1 row(s) without a tenant (tenant_id is NULL): row-level security is disabled on it',
      'items [A]: sees 4 row(s) of other tenants: row-level security is disabled on it',
    ]);
    expect(disabled.findings).toHaveLength(29);
    const owned = await isolation('owned_unforced');
    expect(owned.findings.filter((f) => f.startsWith('items [A]: sees'))).toEqual([
      'items [A]: sees 1 row(s) without a tenant (tenant_id is NULL): APP owns it and row-level security is not forced',
      'items [A]: sees 4 row(s) of other tenants: APP owns it and row-level security is not forced',
    ]);
    expect(owned.findings).toHaveLength(29);
  });

  it('a tenant table the application role may not read proves nothing: a failure naming the grant', async () => {
    expect(await isolation('ungranted')).toMatchObject({
      ok: false, summary: 'the application role APP may not read 1 tenant table(s): the probes act as it', findings: ['items: APP has no SELECT privilege on it'],
    });
  });

  it('a context that outlives COMMIT on a pooled connection; set locally, it passes', async () => {
    expect((await isolation('context_session')).findings).toEqual([
      'items [A]: after COMMIT, the next transaction on the same connection sees 2 row(s) with no tenant set: tenancy.setContext (select enter_context_session($1)) outlives its transaction (use SET LOCAL, or set_config(..., true))',
    ]);
    expect(await isolation('context_local')).toMatchObject({ ok: true, findings: [], summary: `3 tenants x 2 tables as APP: ${PASSED}; non-member not applicable` });
  });

  it('a context function that ignores its argument, and one that raises for every tenant', async () => {
    const ignored = (t: string) => `tenancy.setContext (select enter_context_ignored($1)) ignores the tenant it is given: called for ${t}, it left app.tenant_id = 'A'`;
    const { findings } = await isolation('context_ignored');
    expect(findings.filter((f) => f.startsWith('items [B]'))).toEqual([`items [B]: sees 2 row(s) of other tenants: ${ignored('B')}`, `items [B]: sees 0 of its 3 rows: ${ignored('B')}`]);
    expect(findings.filter((f) => f.startsWith('item_notes [C]'))).toEqual([
      `item_notes [C]: sees 2 row(s) of other tenants (or with no parent it may see): ${ignored('C')}`, 'item_notes [C]: sees 0 of its 1 rows', 'item_notes [C]: deleted 2 row(s) of other tenants',
    ]);
    expect(findings.filter((f) => f.startsWith('tenants'))).toEqual([
      'tenants [B]: the tenant root shows tenant B 1 row(s) of other tenants',
      'tenants [C]: the tenant root shows tenant C 1 row(s) of other tenants',
      "tenants [C]: UPDATE of tenant A's root row touched 1 row(s)",
      "tenants [C]: DELETE of tenant A's root row reached it (it failed with 23503: its rows reference it)",
    ]);
    expect(findings).toHaveLength(17);
    expect(await isolation('context_raises')).toMatchObject({
      ok: false,
      summary: 'setting the tenant failed for 3 of 3 tenant(s) as APP: nothing proven',
      findings: ['A', 'B', 'C'].map((t) => `- [${t}]: setting tenant ${t} (select enter_context_raises($1)) failed with P0001: no tenant today`),
    });
  });

  it('a context call that sets another setting than the policies read: every read refused, each tenant sees none of its rows (also on a connection where the setting reads \'\')', async () => {
    const unset = (t: string) => `tenancy.setContext (select enter_context_elsewhere($1)) ignores the tenant it is given: called for ${t}, it left app.tenant_id unset`;
    const expected = ['A', 'B', 'C'].flatMap((t, k) => [`items [${t}]: sees 0 of its ${[2, 3, 1][k]} rows: ${unset(t)}`, `item_notes [${t}]: sees 0 of its ${[2, 3, 1][k]} rows`]);
    // On a new connection the setting was never set (42704); after a transaction that set it
    // locally, it reads '' and the policy's cast raises 22P02: both a refusal, not an error.
    expect(await isolation('context_elsewhere')).toMatchObject({ ok: false, findings: expected });
    expect(await isolation('context_elsewhere', { warm: true })).toMatchObject({ ok: false, findings: expected });
  });

  it('an UPDATE without WHERE that collides with another tenant\'s row (23505); a DELETE of the root with no tenant that reaches referenced rows (23503)', async () => {
    expect((await isolation('update_all_unique')).findings).toEqual(['A', 'B', 'C'].map((t) => `items [${t}]: an UPDATE without WHERE reached other tenants' rows (it failed with 23505 setting its own id)`));
    expect((await isolation('root_delete')).findings).toEqual(["tenants: without a tenant, DELETE reached rows (it failed with 23503: other tables' rows reference them)"]);
  });

  it('a policy that casts the tenant id to another type: a finding per table read (the chain table too, through its parent), and the format hint', async () => {
    const result = await isolation('cast_int');
    expect(result.findings).toEqual(['A', 'B', 'C'].flatMap((t) => ['items', 'item_notes'].map((table) => `${table} [${t}]: probing as tenant ${t} failed with 22P02: invalid input syntax for type integer: "${t}"`)));
    expect(result.details.hint).toBe('A policy on items, item_notes casts the tenant id to a type the tenant ids are not (the error names it): give the tenant root\'s id column that format in its definition (e.g. "format": "uuid"; introspect drafts it when a policy casts to uuid), then regenerate and reset.');
    expect((await isolation('foreign_rows')).details.hint).toBe('Tenants can reach each other\'s rows: check the RLS policies, FORCE ROW LEVEL SECURITY and the application role (docs/schema.md).');
    expect((await isolation('sound')).details.hint).toBeUndefined();
  });

  it('a read that fails otherwise than for want of the tenant is a finding per table, as the tenant and without one; a policy raising when no tenant is set refuses', async () => {
    const failedAs = (code: string, error: string) => ['A', 'B', 'C'].flatMap((t) => ['items', 'item_notes'].map((table) => `${table} [${t}]: probing as tenant ${t} failed with ${code}: ${error}`));
    const secret = await isolation('secret_subquery');
    expect(secret.findings).toEqual([
      ...failedAs('42501', 'permission denied for table secrets'),
      ...['items', 'item_notes'].map((table) => `${table}: without a tenant, reading it failed with 42501: permission denied for table secrets`),
      ...['COMMIT', 'ROLLBACK'].map((end) => `items [A]: after ${end}, the next transaction on the same connection could not read the table with no tenant set (42501: permission denied for table secrets): nothing proven`),
    ]);
    expect(secret.details.hint).toBe('Tenants can reach each other\'s rows: check the RLS policies, FORCE ROW LEVEL SECURITY and the application role (docs/schema.md).');
    // 42704 naming another setting than the tenant's is no refusal.
    expect((await isolation('unknown_setting')).findings).toEqual(failedAs('42704', 'unrecognized configuration parameter "app.region"'));
    // 22P02 casting a value (not the empty setting) is no refusal either: a finding with the format hint.
    const castDefault = await isolation('cast_default');
    expect(castDefault.findings).toEqual(['items', 'item_notes'].map((table) => `${table}: without a tenant, reading it failed with 22P02: invalid input syntax for type uuid: "none"`));
    expect(castDefault.details.hint).toMatch(/^A policy on items, item_notes casts the tenant id to a type the tenant ids are not/);
    expect(await isolation('raise_without_tenant')).toMatchObject({ ok: true, findings: [] });
  });

  it('an UPDATE without WHERE that moves another tenant\'s row away from its children fails with 23503: reached', async () => {
    expect((await isolation('update_all_fk')).findings).toEqual([
      "items [A]: an UPDATE without WHERE reached other tenants' rows (it failed with 23503 setting its own id)",
      'items [B]: an UPDATE without WHERE touched 7 row(s), 3 of them its own',
      "items [C]: an UPDATE without WHERE reached other tenants' rows (it failed with 23503 setting its own id)",
    ]);
  });

  it('a context function that skips the membership check the schema holds, or that tenancy.membership declares', async () => {
    const accepted = (s: string, by: string) => `items [A]: the context function ${s}.enter_${s} accepted tenant A for app.user_name (${by}) = 'bob', who is not a member of it (members_${s} has no row for them): its rows became visible (items: 2, members_${s}: 1)`;
    expect((await isolation('membership_skipped')).findings).toEqual([
      `${accepted('membership_skipped', 'compared with user_name by membership_skipped.is_member_membership_skipped')}; the schema's membership check membership_skipped.is_member_membership_skipped is not applied by membership_skipped.enter_membership_skipped`,
    ]);
    expect((await isolation('membership_declared')).findings).toEqual([
      `${accepted('membership_declared', 'tenancy.membership: a member has a row in members_membership_declared.user_name')}; no function of the schema compares members_membership_declared.user_name with app.user_name any more (tenancy.membership declares the rule)`,
    ]);
    for (const shape of ['membership_checked', 'membership_declared_checked']) {
      expect(await isolation(shape)).toMatchObject({ ok: true, findings: [], summary: `3 tenants x 3 tables as APP: ${PASSED}; non-member refused` });
    }
  });

  it('a bypass read through a function, compared as a number, or on the tenant root; a role test in a restrictive policy passes', async () => {
    expect((await isolation('bypass_function')).findings).toEqual([`items [A]: policy bypass admits 5 row(s) of other tenants when the application role sets app.bypass_rls to 'on' (read through bypass_function.bypassing, bypass_function.bypass_flag)`]);
    expect((await isolation('bypass_chain')).findings).toEqual(["item_notes [A]: policy bypass admits 5 row(s) of other tenants when the application role sets app.bypass_rls to 'on'"]);
    expect((await isolation('bypass_cast')).findings).toEqual(["items [A]: policy levels admits 5 row(s) of other tenants when the application role sets app.admin_level to '9'"]);
    expect((await isolation('bypass_root')).findings).toEqual(["tenants [A]: policy bypass admits 2 row(s) of other tenants when the application role sets app.bypass_rls to 'on'"]);
    const restrictive = await isolation('role_branch_restrictive');
    expect(restrictive).toMatchObject({ ok: true, findings: [] });
    expect(restrictive.details.roleBranches).toEqual([`staff_only on items: pg_has_role(CURRENT_USER, '${staff}'::name, 'member'::text)`]);
  });

  it('a tenant root an UPDATE without WHERE reaches whole: failing on its key, touching every row, or with no SELECT granted', async () => {
    expect((await isolation('root_update')).findings).toEqual(['A', 'B', 'C'].map((t) => `tenants [${t}]: an UPDATE of the tenant root without WHERE reached other tenants' rows (it failed with 23505 setting its own id)`));
    expect((await isolation('root_update_deferred')).findings).toEqual(['A', 'B', 'C'].map((t) => `tenants [${t}]: an UPDATE of the tenant root without WHERE touched 3 row(s)`));
    expect((await isolation('root_write_only')).findings).toEqual([
      ...['A', 'B', 'C'].map((t) => `tenants [${t}]: an UPDATE of the tenant root without WHERE reached other tenants' rows (it failed with 23505 setting its own id)`),
      'feature_flags: APP can read it, but it is neither a tenant table nor declared shared ("x-global": true in its definition, or validate.shared in the config): A sees 1 row(s), B sees 1 row(s), C sees 1 row(s)',
    ]);
    const unreachable = await isolation('root_unreachable');
    expect(unreachable).toMatchObject({ ok: true, findings: [] });
    expect(unreachable.details.shared).toEqual(['plans']);
  });

  it('tables shared by the config or as a migration ledger pass, and are listed; an undeclared table that fails to read is named with the failure', async () => {
    const declared = await isolation('undeclared', { shared: [{ table: 'feature_flags', reason: 'flags are global' }, { table: 'no_such_table', reason: 'gone' }] });
    expect(declared).toMatchObject({ ok: true, findings: [] });
    expect(declared.details.shared).toEqual(['plans', 'feature_flags']);
    const ledger = await isolation('ledger');
    expect(ledger).toMatchObject({ ok: true, findings: [] });
    expect(ledger.details.shared).toEqual(['plans', 'knex_migrations']);
    expect((await isolation('undeclared_failing')).findings).toEqual([
      'feature_flags: APP can read it, but it is neither a tenant table nor declared shared ("x-global": true in its definition, or validate.shared in the config): A sees an error reading, B sees an error reading, C sees an error reading',
    ]);
  });

  it('a third tenant table that leaks is named, not its neighbours; with no tenant, a root UPDATE refused with 42501 proves nothing, one failing otherwise is named, a DELETE still reaches rows', async () => {
    const leak = 'policy leak (to PUBLIC) admits 1 of them: USING (id = 3)';
    expect((await isolation('third_table')).findings).toEqual([`marks [A]: sees 1 row(s) of other tenants: ${leak}`, `marks [B]: sees 1 row(s) of other tenants: ${leak}`]);
    expect((await isolation('root_fallback_trigger')).findings).toEqual([
      'tenants: without a tenant, 3 row(s) are visible',
      'tenants: without a tenant, UPDATE failed with TS001: tenants are frozen',
      "tenants: without a tenant, DELETE reached rows (it failed with 23503: other tables' rows reference them)",
    ]);
    expect((await isolation('root_fallback_checked')).findings).toEqual([
      'tenants: without a tenant, 3 row(s) are visible',
      "tenants: without a tenant, DELETE reached rows (it failed with 23503: other tables' rows reference them)",
    ]);
  });

  it('refuses an application role that is a superuser or has BYPASSRLS, before any probe', async () => {
    const knex = knexOn('sound');
    const validate = (appRole: string) => validateDatabase({ knex, definitions, schemas: ['sound'], tenancy: { ...tenancyOf('sound'), appRole }, checks: ['isolation'] });
    expect((await validate(app)).ok).toBe(true);
    await expect(validate(bypassing)).rejects.toThrow(`Refusing to validate as the application role "${bypassing}": it is a role with BYPASSRLS, so row-level security does not apply to it and the isolation probes would prove nothing`);
    await expect(validate(superuser)).rejects.toThrow(`Refusing to validate as the application role "${superuser}": it is a superuser, so row-level security does not apply to it and the isolation probes would prove nothing`);
  });
});
