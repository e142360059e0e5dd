import type { Knex } from 'knex';
import { freshClient, readRole, readTable, requoteName } from '../db';
import { probeBypasses } from './bypass-discovery';
import { checkPooledContext } from './check-pooled-context';
import { tenantTables } from './check-schema';
import { chainScoped, rowTenantSql } from './chain-tenant';
import { probeMembershipRefusal } from './check-membership';
import { probeContextStatements, readContextIdentity } from './context-identity';
import { probeUndeclaredTables } from './check-shared-tables';
import { contextIgnored, leakCause } from './leak-cause';
import { countWithoutTenant, writeWithoutTenant } from './no-tenant-read';
import type { CheckContext, CheckResult, Finding } from './types';
import { ident } from './types';

/** Thrown to end the probing transaction: everything it did is rolled back. */
const ROLL_BACK = new Error('tenantseed isolation probes: roll back');

async function sampleTenants(ctx: CheckContext, size: number): Promise<string[]> {
  const root = ctx.definitions.tenantRoot;
  if (!root) return [];
  const id = root.idColumn;
  const existing = root.existingRows.map((r) => String(r[id]));
  const rows = (await ctx.knex.raw(`SELECT ${ident(id)}::text AS id FROM ${ident(root.table)} ORDER BY 1`)).rows as Array<{ id: string }>;
  const ids = rows.map((r) => r.id).filter((t) => !existing.includes(t));
  if (ids.length <= size) return ids;
  // First, last and evenly spread: deterministic, and covers tenants of every size.
  return Array.from({ length: size }, (_, i) => ids[Math.round((i * (ids.length - 1)) / (size - 1))]);
}

async function probe(trx: Knex.Transaction, sql: string, bindings: unknown[]): Promise<{ rowCount?: number; code?: string }> {
  await trx.raw('SAVEPOINT tenantseed_probe');
  try {
    const result = await trx.raw(sql, bindings as Knex.RawBinding[]);
    return { rowCount: result.rowCount };
  } catch (err) {
    return { code: (err as { code?: string }).code ?? 'error' };
  } finally {
    await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_probe');
  }
}

/** A finding for each tenant whose context statements raise (in a savepoint, rolled back). */
async function refusedContexts(ctx: CheckContext, tenants: readonly string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  await ctx.knex.transaction(async (trx) => {
    for (const tenant of tenants) {
      await trx.raw('SAVEPOINT tenantseed_context');
      try {
        for (const statement of probeContextStatements(ctx, tenant)) await trx.raw(statement);
      } catch (err) {
        const { code, message } = err as { code?: string; message?: string };
        findings.push({ tenant, message: `setting tenant ${tenant} (${ctx.tenancy.setContext ?? ctx.tenancy.setting}) failed with ${code ?? 'an error'}: ${(message ?? String(err)).replace(/^[\s\S]*? - /, '')}` });
      } finally {
        await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_context');
      }
    }
    throw ROLL_BACK;
  }).catch((err) => {
    if (err !== ROLL_BACK) throw err;
  });
  return findings;
}

/** Which of SELECT, UPDATE and DELETE `role` holds on `table` (granted, to PUBLIC, or through a role). */
async function tableAccess(ctx: CheckContext, table: string, role: string): Promise<{ select: boolean; update: boolean; delete: boolean } | undefined> {
  const row = (await ctx.knex.raw(
    `SELECT has_table_privilege(?, c.oid, 'SELECT') AS select, has_table_privilege(?, c.oid, 'UPDATE') AS update, has_table_privilege(?, c.oid, 'DELETE') AS delete
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = ? AND n.nspname = ANY(?) LIMIT 1`,
    [role, role, role, table, ctx.schemas as string[]],
  )).rows[0] as { select: boolean; update: boolean; delete: boolean } | undefined;
  return row;
}

/**
 * `isolation`: as the application role, for every tenant table and a sample of tenants: the
 * tenant sees exactly its rows; updates and deletes of another tenant's rows touch nothing;
 * inserting a row with another tenant's id fails; without a tenant nothing is visible. Every
 * probe runs in a transaction that is rolled back: validation never changes data.
 */
export async function checkIsolation(ctx: CheckContext): Promise<CheckResult> {
  const tables = await tenantTables(ctx);
  if (!ctx.definitions.tenantRoot) {
    return { name: 'isolation', ok: true, skipped: 'no tenant table (tenant root) in the definitions: no tenant to probe as', details: { summary: 'skipped: no tenant table', findings: [] } };
  }
  const tenants = await sampleTenants(ctx, Math.max(2, ctx.isolationSample));
  if (tenants.length < 2) {
    return { name: 'isolation', ok: true, skipped: 'needs at least two tenants to probe', details: { summary: 'skipped: fewer than two tenants', findings: [] } };
  }
  const { appRole } = ctx.tenancy;
  if (!(await readRole(ctx.knex, appRole))) {
    return { name: 'isolation', ok: false, details: { summary: `the application role ${appRole} does not exist`, findings: [{ message: `no role ${appRole} to probe as` }], hint: 'Run the migrations (they create the roles), or name the role in tenancy.appRole of tenantseed.config.json.' } };
  }
  // The probes act as the application role: a tenant table it may not read proves nothing, and
  // is named with the role that lacks the grant (not the URL's user, which only reads the data).
  const ungranted: string[] = [];
  for (const table of [...tables.map((t) => t.table), ...chainScoped(ctx.definitions).map((d) => d.table)]) {
    const access = await tableAccess(ctx, table, appRole);
    if (access && !access.select) ungranted.push(table);
  }
  if (ungranted.length > 0) {
    return {
      name: 'isolation',
      ok: false,
      details: {
        summary: `the application role ${appRole} may not read ${ungranted.length} tenant table(s): the probes act as it`,
        findings: ungranted.map((table) => ({ table, message: `${appRole} has no SELECT privilege on it` })),
        hint: `Grant the application role its tables (GRANT SELECT, INSERT, UPDATE, DELETE ON ${ungranted.join(', ')} TO ${ident(appRole)}), or name the role your application connects as in tenancy.appRole of tenantseed.config.json (introspect writes it when it finds one).`,
      },
    };
  }
  // A context function that checks membership needs the signed-in user first, as the application
  // sets it: the probes name a member of each tenant they act as (context-identity.ts).
  const identity = await readContextIdentity(ctx);
  if (identity.identity) ctx = { ...ctx, identity: identity.identity };
  // A context call that raises for a sampled tenant (as a member, where there is a check) leaves
  // nothing to probe: a finding per tenant, and the membership probe says what it can.
  const refused = await refusedContexts(ctx, tenants);
  if (refused.length > 0) {
    const membership = await probeMembershipRefusal(ctx, identity, tables, tenants);
    return {
      name: 'isolation',
      ok: false,
      details: {
        summary: `setting the tenant failed for ${refused.length} of ${tenants.length} tenant(s) as ${appRole}: nothing proven`,
        findings: [...refused, ...membership.findings],
        tenants,
        membership: membership.membership,
        hint: 'Make tenancy.setContext set the tenant as your application does (docs/validate.md); where the context function checks membership, the probes name a member through the setting it compares with.',
      },
    };
  }
  const findings: Finding[] = [];
  /** Tables whose probes failed with 22P02: a policy casts the tenant id to a type the ids are not. */
  const castFailures = new Set<string>();
  let probes = 0;
  const columns = new Map<string, string[]>();
  const columnTypes = new Map<string, string[]>();
  const expected = new Map<string, Map<string, number>>();
  // Counted as the reader, before the probes' transaction: Citus keeps one set of worker
  // connections per role and a transaction that changes role midway can read wrong results
  // (citusdata/citus#3867), so the probes' transaction acts as the app role from its start.
  for (const { table, tenantColumn } of tables) {
    const catalog = (await readTable(ctx.knex, table))!;
    columns.set(table, catalog.columns.map((c) => c.name));
    columnTypes.set(table, catalog.columns.map((c) => c.type));
    expected.set(table, new Map((await ctx.knex.raw(`SELECT ${ident(tenantColumn)}::text AS t, count(*) AS n FROM ${ident(table)} GROUP BY 1`)).rows.map((r: { t: string; n: number }) => [r.t, r.n])));
  }
  // Chain tables (x-tenant-via): a row's tenant is its parent's, read through the chain.
  const chains: Array<{ table: string; tenantOf: string }> = [];
  for (const definition of chainScoped(ctx.definitions)) {
    if (!(await readTable(ctx.knex, definition.table))) continue;
    const tenantOf = rowTenantSql(ctx.definitions, definition, 'c');
    chains.push({ table: definition.table, tenantOf });
    expected.set(definition.table, new Map((await ctx.knex.raw(`SELECT ${tenantOf} AS t, count(*) AS n FROM ${ident(definition.table)} c GROUP BY 1`)).rows.map((r: { t: string; n: number }) => [r.t, r.n])));
  }
  await ctx.knex.transaction(async (trx) => {
    for (const [i, tenant] of tenants.entries()) {
      const other = tenants[(i + 1) % tenants.length];
      // As the application must (on Citus only SET LOCAL reaches the workers): withTenant's statements.
      for (const statement of probeContextStatements(ctx, tenant, { role: i === 0 })) await trx.raw(statement);
      for (const { table, tenantColumn } of tables) {
        // Each table in a savepoint of its own: an error reading it (a policy casting the tenant id
        // to a type the ids are not) is a finding on that table, not the end of validation.
        await trx.raw('SAVEPOINT tenantseed_table');
        try {
          const col = ident(tenantColumn);
          const t = ident(table);
          probes++;
          const seen = (await trx.raw(`SELECT count(*) AS n, count(*) FILTER (WHERE ${col}::text IS DISTINCT FROM ?) AS foreign, count(*) FILTER (WHERE ${col} IS NULL) AS none FROM ${t}`, [tenant])).rows[0];
          const own = expected.get(table)!.get(tenant) ?? 0;
          // Rows with no tenant (platform admins, the profile's withoutTenant) are no tenant's: a
          // tenant that sees them sees rows that are not its own, whatever the policy meant.
          if (seen.none > 0) {
            const cause = await leakCause(trx, ctx, { table, tenant, foreign: `c.${col} IS NULL`, bindings: [] });
            findings.push({ table, tenant, message: `sees ${seen.none} row(s) without a tenant (${tenantColumn} is NULL)${cause ? `: ${cause}` : ''}` });
          }
          if (seen.foreign - seen.none > 0) {
            const cause = await leakCause(trx, ctx, { table, tenant, foreign: `c.${col}::text <> ?`, bindings: [tenant] });
            findings.push({ table, tenant, message: `sees ${seen.foreign - seen.none} row(s) of other tenants${cause ? `: ${cause}` : ''}` });
          }
          if (seen.n - seen.foreign !== own) {
            const cause = await contextIgnored(trx, ctx, tenant);
            findings.push({ table, tenant, message: `sees ${seen.n - seen.foreign} of its ${own} rows${cause ? `: ${cause}` : ''}` });
          }
          const update = await probe(trx, `UPDATE ${t} SET ${col} = ${col} WHERE ${col}::text = ?`, [other]);
          if ((update.rowCount ?? 0) > 0) findings.push({ table, tenant, message: `updated ${update.rowCount} row(s) of tenant ${other}` });
          const del = await probe(trx, `DELETE FROM ${t} WHERE ${col}::text = ?`, [other]);
          if ((del.rowCount ?? 0) > 0) findings.push({ table, tenant, message: `deleted ${del.rowCount} row(s) of tenant ${other}` });
          // Without a WHERE: an UPDATE or DELETE policy of USING (true) is only seen by a statement
          // that reads no column, since a WHERE applies the SELECT policies too (the CREATE POLICY
          // page, "Policies Applied by Command Type"). `UPDATE t SET x = 1` or `DELETE FROM t`
          // in the application would touch every tenant's rows.
          // It sets the tenant column to the tenant's own id: `SET x = x` would read a column (and
          // apply the SELECT policies). On its own rows that changes nothing, so a foreign key or
          // unique violation means it reached another tenant's rows.
          const tenantType = requoteName(columnTypes.get(table)![columns.get(table)!.indexOf(tenantColumn)]);
          const updateAll = await probe(trx, `UPDATE ${t} SET ${col} = CAST(? AS ${tenantType})`, [tenant]);
          if ((updateAll.rowCount ?? 0) > own) findings.push({ table, tenant, message: `an UPDATE without WHERE touched ${updateAll.rowCount} row(s), ${own} of them its own` });
          if (updateAll.code === '23503' || updateAll.code === '23505') findings.push({ table, tenant, message: `an UPDATE without WHERE reached other tenants' rows (it failed with ${updateAll.code} setting its own id)` });
          // A foreign key without cascade makes this fail (the own rows are referenced): it proves nothing then.
          const deleteAll = await probe(trx, `DELETE FROM ${t}`, []);
          if ((deleteAll.rowCount ?? 0) > own) findings.push({ table, tenant, message: `a DELETE without WHERE touched ${deleteAll.rowCount} row(s), ${own} of them its own` });
          const hasOwnRow = own > 0 && seen.n - seen.foreign > 0;
          if (hasOwnRow) {
            // A copy of one of its own rows, given the other tenant's id, written with VALUES: a
            // plain insert, which Citus routes to the other tenant's shard like any application
            // insert (an INSERT ... SELECT that moves a row between shards is another path).
            const cols = columns.get(table)!;
            const types = columnTypes.get(table)!;
            const row = (await trx.raw(`SELECT ${cols.map((c) => `${ident(c)}::text`).join(', ')} FROM ${t} WHERE ${col}::text = ? LIMIT 1`, [tenant])).rows[0] as Record<string, string | null>;
            // format_type quotes a type's name ("AgentRole"[]); requoted, a ? in it is no placeholder.
            const values = cols.map((c, k) => `CAST(? AS ${requoteName(types[k])})`).join(', ');
            // OVERRIDING SYSTEM VALUE: a GENERATED ALWAYS identity column takes the copied id too.
            const insert = await probe(trx, `INSERT INTO ${t} (${cols.map(ident).join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${values})`, cols.map((c) => (c === tenantColumn ? other : row[c])));
            if (insert.code !== '42501') {
              findings.push({ table, tenant, message: insert.code ? `inserting a row of tenant ${other} failed with ${insert.code}, not with a row-level security violation` : `inserted a row of tenant ${other}` });
            }
          }
        } catch (err) {
          await trx.raw('ROLLBACK TO SAVEPOINT tenantseed_table');
          const { code, message } = err as { code?: string; message?: string };
          if (code === '22P02') castFailures.add(table);
          // Knex prefixes the statement ("SELECT ... - invalid input syntax ..."): the finding names the error.
          const reason = (message ?? String(err)).replace(/^(SELECT|UPDATE|DELETE|INSERT) [\s\S]*? - /, '');
          findings.push({ table, tenant, message: `probing as tenant ${tenant} failed with ${code ?? 'an error'}: ${reason}` });
        }
      }
      for (const { table, tenantOf } of chains) {
        probes++;
        // As the application role a parent of another tenant is hidden: its children read NULL here.
        const seen = (await trx.raw(`SELECT count(*) AS n, count(*) FILTER (WHERE ${tenantOf} IS DISTINCT FROM ?) AS foreign FROM ${ident(table)} c`, [tenant])).rows[0];
        const own = expected.get(table)!.get(tenant) ?? 0;
        if (seen.foreign > 0) {
          const cause = await leakCause(trx, ctx, { table, tenant, foreign: `${tenantOf} IS DISTINCT FROM ?`, bindings: [tenant] });
          findings.push({ table, tenant, message: `sees ${seen.foreign} row(s) of other tenants (or with no parent it may see)${cause ? `: ${cause}` : ''}` });
        }
        if (seen.n - seen.foreign !== own) findings.push({ table, tenant, message: `sees ${seen.n - seen.foreign} of its ${own} rows` });
        const del = await probe(trx, `DELETE FROM ${ident(table)} c WHERE ${tenantOf} IS DISTINCT FROM ?`, [tenant]);
        if ((del.rowCount ?? 0) > 0) findings.push({ table, tenant, message: `deleted ${del.rowCount} row(s) of other tenants` });
      }
    }
    throw ROLL_BACK;
  }).catch((err) => {
    if (err !== ROLL_BACK) throw err;
  });
  // Bypass discovery: the settings besides the tenant's that policies read, tried as the application role.
  const bypass = await probeBypasses(ctx, tables, tenants[0]);
  findings.push(...bypass.findings);
  // No table silently shared: any other table the application role reads is declared shared.
  const shared = await probeUndeclaredTables(ctx, [...tables, ...chains].map((t) => t.table), tenants);
  findings.push(...shared.findings);
  // Without a tenant: on a connection of its own, where the setting was never set (not even
  // to ''), as the application's first query on a new connection sees it. The tenant root too,
  // when the application role may read it: a policy that falls back to every row when no tenant
  // is set (`id = COALESCE(current_setting(...)::int, id)`) shows and updates every tenant.
  const root = ctx.definitions.tenantRoot;
  const rootAccess = root ? await tableAccess(ctx, root.table, appRole) : undefined;
  const client = await freshClient(ctx.knex);
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL citus.propagate_set_commands TO 'local'`);
    await client.query(`SET LOCAL ROLE ${ident(appRole)}`);
    const noTenant = [...tables, ...chains].map((t) => t.table);
    if (root && rootAccess?.select && !noTenant.includes(root.table)) noTenant.push(root.table);
    for (const table of noTenant) {
      probes++;
      const n = await countWithoutTenant(client, table, ctx.tenancy.setting);
      if (typeof n !== 'number') {
        findings.push(n);
        if (n.message.includes(' 22P02: ')) castFailures.add(table);
      } else if (n > 0) findings.push({ table, message: `without a tenant, ${n} row(s) are visible` });
    }
    if (root && rootAccess) {
      const id = ident(root.idColumn);
      const writes = [
        ...(rootAccess.update ? [`UPDATE ${ident(root.table)} SET ${id} = ${id}`] : []),
        ...(rootAccess.delete ? [`DELETE FROM ${ident(root.table)}`] : []),
      ];
      for (const sql of writes) {
        const n = await writeWithoutTenant(client, root.table, sql, ctx.tenancy.setting);
        if (typeof n !== 'number') findings.push(n);
        else if (n > 0) findings.push({ table: root.table, message: `without a tenant, ${sql.split(' ')[0]} touched ${n} row(s) of the tenant root` });
      }
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
  // The application's own path on a pooled connection: the context must end with its transaction.
  findings.push(...await checkPooledContext(ctx, tables.map((t) => t.table), tenants[0]));
  // The context function must refuse a tenant the signed-in user is no member of.
  const membership = await probeMembershipRefusal(ctx, identity, tables, tenants);
  findings.push(...membership.findings);
  return {
    name: 'isolation',
    ok: findings.length === 0,
    details: {
      tables: [...tables, ...chains].map((t) => t.table),
      summary: findings.length === 0
        ? `${tenants.length} tenants x ${tables.length + chains.length} tables as ${appRole}: own rows only, no writes across tenants, nothing without a tenant${ctx.tenancy.setContext ? `; non-member ${membership.membership.replace(/:[\s\S]*$/, '')}` : ''}`
        : `${findings.length} isolation failure(s) as ${appRole}`,
      findings,
      tenants,
      shared: shared.shared,
      membership: membership.membership,
      bypassSettings: bypass.candidates.map((c) => `${c.policy} on ${c.table}: ${c.setting}`),
      roleBranches: bypass.branches.map((b) => `${b.policy} on ${b.table}: ${b.branch}${b.through ? ` (in ${b.through})` : ''}`),
      hint: castFailures.size
        ? `A policy on ${[...castFailures].join(', ')} casts the tenant id to a type the tenant ids are not (the error names it): give the tenant root's id column that format in its definition (e.g. "format": "uuid"; introspect drafts it when a policy casts to uuid), then regenerate and reset.`
        : findings.length ? 'Tenants can reach each other\'s rows: check the RLS policies, FORCE ROW LEVEL SECURITY and the application role (docs/schema.md).' : undefined,
    },
  };
}
