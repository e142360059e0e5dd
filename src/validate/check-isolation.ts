import type { Knex } from 'knex';
import type pg from 'pg';
import { freshClient, readRole, readTables, requoteName } from '../db';
import { param, ProbeOutcome, probeRunner, ProbeRunner, ProbeStep } from './probe-batch';
import { rowsPerTenant } from './rows-per-tenant';
import { probeBypasses } from './bypass-discovery';
import { checkPooledContext } from './check-pooled-context';
import { tenantTables } from './check-schema';
import { chainScoped, rowTenantSql } from './chain-tenant';
import { probeMembershipRefusal } from './check-membership';
import { probeContextStatements, readContextIdentity } from './context-identity';
import { probeUndeclaredTables } from './check-shared-tables';
import { contextIgnored, leakCause } from './leak-cause';
import { countWithoutTenant, isNoTenantRefusal, writeWithoutTenant } from './no-tenant-read';
import { actAsApplication } from './act-as-application';
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

/** Which of SELECT, UPDATE and DELETE `role` holds on each table found (granted, to PUBLIC, or through a role): one query. */
async function tableAccess(ctx: CheckContext, tables: readonly string[], role: string): Promise<Map<string, { select: boolean; update: boolean; delete: boolean }>> {
  const rows = (await ctx.knex.raw(
    `SELECT DISTINCT ON (w.t) w.t AS table, has_table_privilege(?, c.oid, 'SELECT') AS select, has_table_privilege(?, c.oid, 'UPDATE') AS update, has_table_privilege(?, c.oid, 'DELETE') AS delete
       FROM jsonb_array_elements_text(?::jsonb) AS w(t) JOIN pg_class c ON c.relname = w.t JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = ANY(?) ORDER BY w.t`,
    [role, role, role, JSON.stringify(tables), ctx.schemas as string[]],
  )).rows as Array<{ table: string; select: boolean; update: boolean; delete: boolean }>;
  return new Map(rows.map(({ table, ...access }) => [table, access]));
}

/** A promise's outcome as a value: held until awaited, never an unhandled rejection. */
function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then((value) => ({ value }), (error: unknown) => ({ error }));
}

/**
 * Rows each table shows the application role on a new connection where no tenant was ever set,
 * in a transaction left open (for the tenant root's writes, later; {@link endRead} ends it).
 */
async function readWithoutTenant(ctx: CheckContext, tables: readonly string[]): Promise<{ client: pg.Client; counts: Array<number | Finding>; login: string[] }> {
  const client = await freshClient(ctx.knex);
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL citus.propagate_set_commands TO 'local'`);
    const login = await actAsApplication(client, ctx.tenancy.appRole);
    return { client, login, counts: await countWithoutTenant(client, tables, ctx.tenancy.setting, await probeRunner(client, { citus: Boolean(ctx.distribution) })) };
  } catch (err) {
    await endRead(client);
    throw err;
  }
}

/** Rolls back and closes the connection of {@link readWithoutTenant}. */
async function endRead(client: pg.Client): Promise<void> {
  await client.query('ROLLBACK').catch(() => undefined);
  await client.end().catch(() => undefined);
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
  const probed = [...tables.map((t) => t.table), ...chainScoped(ctx.definitions).map((d) => d.table)];
  const access = await tableAccess(ctx, probed, appRole);
  const ungranted = probed.filter((table) => access.has(table) && !access.get(table)!.select);
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
  /**
   * Whether a probe's read was refused for want of the tenant setting (never set: 42704; left ''
   * by an earlier transaction on a pooled connection: 22P02 casting it), as when the context call
   * sets another setting than the policies read: a read that shows nothing, not an error that ends
   * validation. The tenant then sees none of its rows, and the finding says why.
   */
  const settingRefused = (read: ProbeOutcome) => Boolean(read.code) && isNoTenantRefusal(read, ctx.tenancy.setting);
  /** Tables whose probes failed with 22P02: a policy casts the tenant id to a type the ids are not. */
  const castFailures = new Set<string>();
  // Counted as the reader, before the probes' transaction: Citus keeps one set of worker
  // connections per role and a transaction that changes role midway can read wrong results
  // (citusdata/citus#3867), so the probes' transaction acts as the app role from its start.
  const catalog = await readTables(ctx.knex, [...tables.map((t) => t.table), ...chainScoped(ctx.definitions).map((d) => d.table)]);
  // Chain tables (x-tenant-via): a row's tenant is its parent's, read through the chain.
  const chains = chainScoped(ctx.definitions).filter((d) => catalog.has(d.table)).map((d) => ({ table: d.table, tenantOf: rowTenantSql(ctx.definitions, d, 'c') }));
  const expected = await rowsPerTenant(ctx.knex, [...tables.map((t) => ({ table: t.table, tenantOf: `c.${ident(t.tenantColumn)}::text` })), ...chains]);
  // Without a tenant: on a connection of its own, where the setting was never set (not even
  // to ''), as the application's first query on a new connection sees it. The tenant root too,
  // when the application role may read it: a policy that falls back to every row when no tenant
  // is set (`id = COALESCE(current_setting(...)::int, id)`) shows and updates every tenant.
  // Its reads, and the pooled-connection proof after them (connections of their own too), run
  // while the probes below do: reads wait on no lock. Its writes wait for the probes' end.
  const root = ctx.definitions.tenantRoot;
  const rootAccess = root ? (await tableAccess(ctx, [root.table], appRole)).get(root.table) : undefined;
  const noTenant = [...tables, ...chains].map((t) => t.table);
  if (root && rootAccess?.select && !noTenant.includes(root.table)) noTenant.push(root.table);
  const unset = settled(readWithoutTenant(ctx, noTenant));
  // A table already visible with no tenant ever set (a policy showing NULL-tenant rows) is reported
  // by the reads: blaming a context that outlives its transaction for it would be a wrong diagnosis.
  const pooled = settled(unset.then(async (read) => {
    const shown = 'value' in read ? new Set(noTenant.filter((_, k) => typeof read.value.counts[k] === 'number' && (read.value.counts[k] as number) > 0)) : new Set<string>();
    return checkPooledContext(ctx, tables.map((t) => t.table).filter((t) => !shown.has(t)), tenants[0]);
  }));
  // On Citus, one session at a time, as before.
  if (ctx.distribution) await pooled;
  let beyond: { bypass: Awaited<ReturnType<typeof probeBypasses>>; shared: Awaited<ReturnType<typeof probeUndeclaredTables>> };
  try {
    await probeAsTenants();
    // Bypass discovery: the settings besides the tenant's that policies read, tried as the application role.
    // The tenant root too (a bypass branch on it shows every tenant's row: its tenant is its id),
    // and the chain tables (a row's tenant is its parent's: a hidden parent reads as another tenant).
    const bypass = await probeBypasses(ctx, [
      ...tables.map((t) => ({ table: t.table, tenantOf: `c.${ident(t.tenantColumn)}::text` })),
      ...(root ? [{ table: root.table, tenantOf: `c.${ident(root.idColumn)}::text` }] : []),
      ...chains,
    ], tenants[0]);
    // No table silently shared: any other table the application role reads is declared shared.
    beyond = { bypass, shared: await probeUndeclaredTables(ctx, [...tables, ...chains].map((t) => t.table), tenants) };
  } catch (err) {
    // The reads' connection is closed, and the proof ended, before the error goes up.
    const read = await unset;
    if ('value' in read) await endRead(read.value.client);
    await pooled;
    throw err;
  }
  const { bypass, shared } = beyond;
  findings.push(...bypass.findings, ...shared.findings);
  const read = await unset;
  if ('error' in read) throw read.error;
  const { client, counts, login } = read.value;
  // A tenant the role logs in with is the cause of what every table shows: named with each.
  const cause = login.includes(ctx.tenancy.setting)
    ? ` (${ctx.tenancy.appRole} logs in with ${ctx.tenancy.setting} set, by ALTER ROLE ... SET: every session of the application starts in that tenant; remove it with ALTER ROLE ${ctx.tenancy.appRole} [IN DATABASE ...] RESET ${ctx.tenancy.setting})`
    : '';
  try {
    noTenant.forEach((table, k) => {
      const n = counts[k];
      if (typeof n !== 'number') {
        findings.push(n);
        if (n.message.includes(' 22P02: ')) castFailures.add(table);
      } else if (n > 0) {
        findings.push({ table, message: `without a tenant, ${n} row(s) are visible${cause}` });
      }
    });
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
    await endRead(client);
  }
  // The application's own path on a pooled connection: the context must end with its transaction.
  const proof = await pooled;
  if ('error' in proof) throw proof.error;
  findings.push(...proof.value);
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

  /** Every probe as each sampled tenant, in one transaction rolled back: its findings pushed to `findings`. */
  async function probeAsTenants(): Promise<void> {
    await ctx.knex.transaction(async (trx) => {
      const client = (await trx.client.acquireConnection()) as pg.ClientBase;
      let run: ProbeRunner | undefined;
      for (const [i, tenant] of tenants.entries()) {
        const other = tenants[(i + 1) % tenants.length];
        // As the application must (on Citus only SET LOCAL reaches the workers): withTenant's statements.
        for (const statement of probeContextStatements(ctx, tenant, { role: i === 0 })) await trx.raw(statement);
        run ??= await probeRunner(client, { citus: Boolean(ctx.distribution) });
        // Every probe of every table in one batch (each statement rolled back), then the inserts,
        // which copy a row the first batch read. A failed read of a table (a policy casting the
        // tenant id to a type the ids are not) is a finding on that table, not the end of validation.
        const steps: ProbeStep[] = [];
        tables.forEach(({ table, tenantColumn }, group) => {
          const col = ident(tenantColumn);
          const t = ident(table);
          const tenantType = requoteName(catalog.get(table)!.columns.find((c) => c.name === tenantColumn)!.type);
          steps.push(
            { kind: 'read', group, sql: `SELECT count(*) AS n, count(*) FILTER (WHERE ${col}::text IS DISTINCT FROM ${param(1)}) AS foreign, count(*) FILTER (WHERE ${col} IS NULL) AS none FROM ${t}`, params: [tenant] },
            { kind: 'write', group, sql: `UPDATE ${t} SET ${col} = ${col} WHERE ${col}::text = ${param(1)}`, params: [other] },
            { kind: 'write', group, sql: `DELETE FROM ${t} WHERE ${col}::text = ${param(1)}`, params: [other] },
            // Without a WHERE: an UPDATE or DELETE policy of USING (true) is only seen by a statement
            // that reads no column, since a WHERE applies the SELECT policies too (the CREATE POLICY
            // page, "Policies Applied by Command Type"). `UPDATE t SET x = 1` or `DELETE FROM t`
            // in the application would touch every tenant's rows.
            // It sets the tenant column to the tenant's own id: `SET x = x` would read a column (and
            // apply the SELECT policies). On its own rows that changes nothing, so a foreign key or
            // unique violation means it reached another tenant's rows.
            { kind: 'write', group, sql: `UPDATE ${t} SET ${col} = CAST(${param(1)} AS ${tenantType})`, params: [tenant] },
            // A foreign key without cascade makes this fail (the own rows are referenced): it proves nothing then.
            { kind: 'write', group, sql: `DELETE FROM ${t}` },
            // One of its own rows, as text, for the insert below.
            { kind: 'read', group, sql: `SELECT ARRAY[${catalog.get(table)!.columns.map((c) => `${ident(c.name)}::text`).join(', ')}] AS v FROM ${t} WHERE ${col}::text = ${param(1)} LIMIT 1`, params: [tenant] },
          );
        });
        const chainStart = tables.length;
        chains.forEach(({ table, tenantOf }, k) => {
          // As the application role a parent of another tenant is hidden: its children read NULL here.
          steps.push(
            { kind: 'read', group: chainStart + k, sql: `SELECT count(*) AS n, count(*) FILTER (WHERE ${tenantOf} IS DISTINCT FROM ${param(1)}) AS foreign FROM ${ident(table)} c`, params: [tenant] },
            { kind: 'write', group: chainStart + k, sql: `DELETE FROM ${ident(table)} c WHERE ${tenantOf} IS DISTINCT FROM ${param(1)}`, params: [tenant] },
          );
        });
        const outcomes = await run(client, steps);
        const inserts: Array<{ table: string; step: ProbeStep }> = [];
        /** A read that failed otherwise than for want of the tenant: a finding on the table (a 22P02 a format hint), not the end of validation. */
        const failed = (table: string, read: ProbeOutcome) => {
          if (read.code === '22P02') castFailures.add(table);
          findings.push({ table, tenant, message: `probing as tenant ${tenant} failed with ${read.code}: ${read.message}` });
        };
        for (const [k, { table, tenantColumn }] of tables.entries()) {
          const [seenRead, update, del, updateAll, deleteAll, rowRead] = outcomes.slice(6 * k, 6 * k + 6);
          const own = expected.get(table)!.get(tenant) ?? 0;
          if (seenRead.code && !settingRefused(seenRead)) {
            failed(table, seenRead);
            continue;
          }
          const seen = settingRefused(seenRead) ? { n: 0, foreign: 0, none: 0 } : seenRead.row as { n: number; foreign: number; none: number };
          const col = ident(tenantColumn);
          // Rows with no tenant (platform admins, the profile's withoutTenant) are no tenant's: a
          // tenant that sees them sees rows that are not its own, whatever the policy meant.
          // The causes are read after the batch, on the same connection, the tenant still set.
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
          if ((update.rowCount ?? 0) > 0) findings.push({ table, tenant, message: `updated ${update.rowCount} row(s) of tenant ${other}` });
          if ((del.rowCount ?? 0) > 0) findings.push({ table, tenant, message: `deleted ${del.rowCount} row(s) of tenant ${other}` });
          if ((updateAll.rowCount ?? 0) > own) findings.push({ table, tenant, message: `an UPDATE without WHERE touched ${updateAll.rowCount} row(s), ${own} of them its own` });
          if (updateAll.code === '23503' || updateAll.code === '23505') findings.push({ table, tenant, message: `an UPDATE without WHERE reached other tenants' rows (it failed with ${updateAll.code} setting its own id)` });
          if ((deleteAll.rowCount ?? 0) > own) findings.push({ table, tenant, message: `a DELETE without WHERE touched ${deleteAll.rowCount} row(s), ${own} of them its own` });
          if (!(own > 0 && seen.n - seen.foreign > 0)) continue;
          if (rowRead.code) {
            failed(table, rowRead);
            continue;
          }
          const row = (rowRead.row as { v: Array<string | null> }).v;
          // A copy of one of its own rows, given the other tenant's id, written with VALUES: a
          // plain insert, which Citus routes to the other tenant's shard like any application
          // insert (an INSERT ... SELECT that moves a row between shards is another path).
          // format_type quotes a type's name ("AgentRole"[]): requoted. OVERRIDING SYSTEM VALUE: a
          // GENERATED ALWAYS identity column takes the copied id too.
          const columns = catalog.get(table)!.columns;
          const values = columns.map((c, n) => `CAST(${param(n + 1)} AS ${requoteName(c.type)})`).join(', ');
          inserts.push({ table, step: { kind: 'write', sql: `INSERT INTO ${ident(table)} (${columns.map((c) => ident(c.name)).join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${values})`, params: columns.map((c, n) => (c.name === tenantColumn ? other : row[n])) } });
        }
        for (const [k, { table, tenantOf }] of chains.entries()) {
          const [seenRead, del] = outcomes.slice(6 * chainStart + 2 * k, 6 * chainStart + 2 * k + 2);
          // Read through its parent's policies: a cast that fails there fails here too, a finding as on the parent.
          if (seenRead.code && !settingRefused(seenRead)) {
            failed(table, seenRead);
            continue;
          }
          const seen = settingRefused(seenRead) ? { n: 0, foreign: 0 } : seenRead.row as { n: number; foreign: number };
          const own = expected.get(table)!.get(tenant) ?? 0;
          if (seen.foreign > 0) {
            const cause = await leakCause(trx, ctx, { table, tenant, foreign: `${tenantOf} IS DISTINCT FROM ?`, bindings: [tenant] });
            findings.push({ table, tenant, message: `sees ${seen.foreign} row(s) of other tenants (or with no parent it may see)${cause ? `: ${cause}` : ''}` });
          }
          if (seen.n - seen.foreign !== own) findings.push({ table, tenant, message: `sees ${seen.n - seen.foreign} of its ${own} rows` });
          if ((del.rowCount ?? 0) > 0) findings.push({ table, tenant, message: `deleted ${del.rowCount} row(s) of other tenants` });
        }
        const inserted = await run(client, inserts.map((i) => i.step));
        inserts.forEach(({ table }, k) => {
          const { code } = inserted[k];
          if (code !== '42501') findings.push({ table, tenant, message: code ? `inserting a row of tenant ${other} failed with ${code}, not with a row-level security violation` : `inserted a row of tenant ${other}` });
        });
      }
      throw ROLL_BACK;
    }).catch((err) => {
      if (err !== ROLL_BACK) throw err;
    });
  }
}
