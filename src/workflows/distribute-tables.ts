import type { Knex } from 'knex';
import { ProjectConfig } from '../config';
import { citusStatus, planDistribution, quoteIdentifier, readDistribution, requoteName } from '../db';
import type { DistributionPlan } from '../db';
import type { DefinitionSet } from '../definitions';
import { SafetyError, TenantseedError, UsageError } from '../errors';

/** What {@link distributeTables} did. */
export interface DistributeOutcome {
  /** Tables made distributed (by which column) or reference tables, in the order it did them. */
  readonly changed: ReadonlyArray<{ readonly table: string; readonly target: 'distributed' | 'reference'; readonly column?: string }>;
  /** Foreign keys dropped before and added again after. */
  readonly foreignKeys: number;
  /** The co-location anchor of the distributed tables. */
  readonly anchor?: string;
  /** The project's roles that were given LOGIN (Citus connects to the workers as them). */
  readonly rolesMadeLogin: readonly string[];
  /** The project's roles that bypass row-level security, kept NOLOGIN, with the statement to run instead. */
  readonly rolesLeftNoLogin: readonly RoleLeftNoLogin[];
}

/** A role of the project that bypasses row-level security and is kept from logging in. */
export interface RoleLeftNoLogin {
  readonly role: string;
  /** The statement to run to let it log in with a password (the password left for you to choose). */
  readonly statement: string;
}

/**
 * Citus reaches the workers over connections of the current role: after `SET ROLE
 * tenantseed_app` a query on a distributed table opens connections as tenantseed_app, which
 * fail for a NOLOGIN role ("role ... is not permitted to log in"). The project's roles that are
 * subject to row-level security therefore get LOGIN (no password: they log in only where
 * pg_hba.conf lets them without one). A role that bypasses row-level security (BYPASSRLS or
 * superuser, as the admin role) never gets LOGIN here: on a trust-authenticated cluster anyone
 * who reaches the coordinator would read every tenant's rows. It stays NOLOGIN, and the
 * statement to give it LOGIN with a password is returned instead. A bypassing role that can
 * already log in without a password (as an earlier `distribute` left the admin role) is refused
 * before anything changes (SafetyError, exit 3), with the two statements that close it.
 */
async function letTenancyRolesLogIn(trx: Knex.Transaction, project: ProjectConfig): Promise<{ madeLogin: string[]; leftNoLogin: RoleLeftNoLogin[] }> {
  const roles = (await trx.raw(
    `SELECT rolname AS name, rolcanlogin AS login, rolsuper OR rolbypassrls AS bypass FROM pg_roles WHERE rolname IN (?, ?) ORDER BY 1`,
    [project.tenancy.appRole, project.tenancy.adminRole],
  )).rows as Array<{ name: string; login: boolean; bypass: boolean }>;
  const open = await passwordlessLogins(trx, roles.filter((r) => r.bypass && r.login).map((r) => r.name));
  if (open.length > 0) {
    const quoted = open.map(quoteIdentifier);
    throw new SafetyError(`The role(s) ${open.join(', ')} bypass row-level security and can log in without a password: on a cluster whose pg_hba.conf trusts its clients, anyone who reaches the coordinator reads every tenant's rows as ${open[0]}`, {
      hint: `Take the login back (${quoted.map((r) => `ALTER ROLE ${r} NOLOGIN;`).join(' ')}) or give it a password (${quoted.map((r) => `ALTER ROLE ${r} PASSWORD '...';`).join(' ')}), then run it again (docs/scale-out.md). Nothing was changed.`,
    });
  }
  const madeLogin: string[] = [];
  const leftNoLogin: RoleLeftNoLogin[] = [];
  for (const role of roles.filter((r) => !r.login)) {
    if (role.bypass) {
      leftNoLogin.push({ role: role.name, statement: `ALTER ROLE ${quoteIdentifier(role.name)} LOGIN PASSWORD '...';` });
    } else {
      await trx.raw(`ALTER ROLE ${quoteIdentifier(role.name)} LOGIN`);
      madeLogin.push(role.name);
    }
  }
  return { madeLogin, leftNoLogin };
}

/**
 * Which of these roles can log in with no password set. Only a superuser reads the passwords
 * (pg_authid); for anyone else the answer is unknown and none is reported.
 */
async function passwordlessLogins(trx: Knex.Transaction, roles: readonly string[]): Promise<string[]> {
  if (roles.length === 0) return [];
  const readable = (await trx.raw(`SELECT has_table_privilege('pg_catalog.pg_authid', 'SELECT') AS ok`)).rows[0].ok as boolean;
  if (!readable) return [];
  const rows = (await trx.raw(
    `SELECT rolname AS name FROM pg_catalog.pg_authid WHERE rolname IN (${roles.map(() => '?').join(', ')}) AND rolcanlogin AND rolpassword IS NULL ORDER BY 1`,
    [...roles],
  )).rows as Array<{ name: string }>;
  return rows.map((r) => r.name);
}

/** The tenant column of every table the definitions scope by tenant. */
export function tenantColumnsOf(definitions: DefinitionSet): Map<string, string> {
  return new Map(definitions.tables.filter((t) => t.tenantColumn).map((t) => [t.table, t.tenantColumn!]));
}

function describeBlockers(plan: DistributionPlan): string {
  return plan.tables.filter((t) => t.blockers.length > 0).flatMap((t) => t.blockers.map((b) => `  ${t.table.qualified}: ${b}`)).join('\n');
}

/**
 * Distributes the project's tables on a Citus coordinator, in the caller's transaction: every
 * tenant table hash-distributed by its tenant column and co-located with the others, every
 * other table (the tenant root, global tables) a reference table. Citus needs foreign keys
 * added after the tables are distributed (one declared first makes a "citus local table"), so
 * the foreign keys of the tables it changes are dropped first and added again, as they were,
 * at the end. Idempotent: tables already held right are left alone. Refuses, before changing
 * anything, what Citus cannot distribute, naming each table and the fix.
 *
 * @example
 * await knex.transaction((trx) => distributeTables(trx, { definitions, project }));
 */
export async function distributeTables(trx: Knex.Transaction, options: { definitions: DefinitionSet; project: ProjectConfig }): Promise<DistributeOutcome> {
  const status = await citusStatus(trx);
  if (!status.coordinator) {
    throw new UsageError(status.installed ? 'This database is a Citus worker, not the coordinator: tables are distributed from the coordinator' : 'This database does not run Citus (no citus extension): there is nothing to distribute on', {
      hint: 'Point --database-url at the Citus coordinator (docs/scale-out.md). Nothing was changed.',
    });
  }
  const { project, definitions } = options;
  const plan = await planDistribution(trx, project.schemas, tenantColumnsOf(definitions));
  if (plan.tables.some((t) => t.blockers.length > 0)) {
    throw new TenantseedError(`Citus cannot distribute ${plan.tables.filter((t) => t.blockers.length > 0).length} table(s) of this schema as it is:\n${describeBlockers(plan)}`, {
      hint: 'Change the schema with a migration as each line says, then run it again (`tenantseed validate --check schema` lists the same). Nothing was changed.',
    });
  }
  const { madeLogin: rolesMadeLogin, leftNoLogin: rolesLeftNoLogin } = await letTenancyRolesLogIn(trx, project);
  const pending = plan.tables.filter((t) => !t.done);
  if (pending.length === 0) return { changed: [], foreignKeys: 0, anchor: plan.anchor, rolesMadeLogin, rolesLeftNoLogin };
  // DDL and COPY on distributed tables in one transaction must go over one connection per node.
  await trx.raw(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
  const touched = new Set(pending.map((t) => t.table.qualified));
  const foreignKeys = plan.foreignKeys.filter((fk) => touched.has(fk.table) || touched.has(fk.references));
  for (const fk of foreignKeys) await trx.raw(`ALTER TABLE ${requoteName(fk.table)} DROP CONSTRAINT ${quoteIdentifier(fk.name)}`);
  const changed: Array<{ table: string; target: 'distributed' | 'reference'; column?: string }> = [];
  for (const t of pending.filter((x) => x.target === 'reference')) {
    await trx.raw('SELECT create_reference_table(?::regclass)', [t.table.qualified]);
    changed.push({ table: t.table.qualified, target: 'reference' });
  }
  const anchor = plan.anchor!;
  for (const t of pending.filter((x) => x.target === 'distributed')) {
    if (t.table.method === 'distributed') {
      await trx.raw('SELECT update_distributed_table_colocation(?::regclass, colocate_with => ?)', [t.table.qualified, anchor]);
    } else {
      const colocate = t.table.qualified === anchor ? 'none' : anchor;
      await trx.raw('SELECT create_distributed_table(?::regclass, ?, colocate_with => ?)', [t.table.qualified, t.column!, colocate]);
    }
    changed.push({ table: t.table.qualified, target: 'distributed', column: t.column });
  }
  // Rows a table held before are copied into its shards; the coordinator's local copy goes.
  for (const c of changed) await trx.raw('SELECT truncate_local_data_after_distributing_table(?::regclass)', [c.table]);
  for (const fk of foreignKeys) await trx.raw(`ALTER TABLE ${requoteName(fk.table)} ADD CONSTRAINT ${quoteIdentifier(fk.name)} ${requoteName(fk.definition)}`);
  return { changed, foreignKeys: foreignKeys.length, anchor, rolesMadeLogin, rolesLeftNoLogin };
}

/**
 * Distributes the project's tables when the database is a Citus coordinator (what migrate,
 * reset and tenant add do on their own); on plain PostgreSQL it does nothing.
 */
export async function distributeIfCitus(trx: Knex.Transaction, options: { definitions: DefinitionSet; project: ProjectConfig }): Promise<DistributeOutcome | undefined> {
  if (!(await citusStatus(trx)).coordinator) return undefined;
  return distributeTables(trx, options);
}

/**
 * Makes every distributed and reference table of the project's schemas a plain local table
 * again (`undistribute_table`), so that down migrations can change them as on PostgreSQL.
 */
export async function undistributeTables(trx: Knex.Transaction, project: ProjectConfig): Promise<string[]> {
  if (!(await citusStatus(trx)).coordinator) return [];
  await trx.raw(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
  const tables = (await readDistribution(trx, project.schemas)).filter((t) => t.method === 'distributed' || t.method === 'reference' || t.method === 'citus-local');
  for (const t of tables) {
    // Undistributing one table takes its foreign-key neighbours with it.
    const still = (await readDistribution(trx, project.schemas)).find((x) => x.qualified === t.qualified);
    if (!still || still.method === 'local') continue;
    try {
      await trx.raw('SELECT undistribute_table(?::regclass, cascade_via_foreign_keys => true)', [t.qualified]);
    } catch (err) {
      throw new TenantseedError(`Citus cannot make ${t.qualified} (or a table tied to it by a foreign key) local again for the down migrations: ${(err as Error).message}`, {
        hint: 'Citus cannot undistribute a table with an identity column, for one. To rebuild the schema, use `tenantseed reset` (it drops the tables and migrates afresh). Nothing was changed.',
        cause: err,
      });
    }
  }
  return tables.map((t) => t.qualified);
}

/**
 * Citus keeps one set of worker connections per role, and a transaction that changes its role
 * midway can read wrong results or deadlock (citusdata/citus#3867): on a coordinator, loading
 * through `SET ROLE` to the admin role is refused, saying which role to connect as.
 */
export function refuseRoleChangeOnCitus(citus: boolean, role: { user: string; setRole?: string }): void {
  if (citus && role.setRole) {
    throw new TenantseedError(`On Citus, the role "${role.user}" cannot load by switching to ${role.setRole} inside the transaction (Citus cannot change roles within a transaction: citusdata/citus#3867)`, {
      hint: `Connect as ${role.setRole} itself (it needs LOGIN) or as a superuser. Nothing was changed.`,
    });
  }
}
