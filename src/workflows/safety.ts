import type { Knex } from 'knex';
import { listSchemaObjects, lockTablesAtOnce, requoteName } from '../db';
import type { LockQuery, LockTablesOptions } from '../db';
import type { EnvironmentStamp, ForeignObject, TableContents } from '../db';
import { describeForeignObjects } from '../db';
import type { DefinitionSet } from '../definitions';
import { SafetyError } from '../errors';

/** The environment that is never written by tenantseed. */
export const PRODUCTION = 'production';

/**
 * How the user names the environment, for messages: the `--env` flag of tenantseed's
 * commands, or the `TENANTSEED_ENV` variable of Knex's own CLI (which has no flags of ours).
 */
export type EnvironmentFlag = '--env' | 'TENANTSEED_ENV';

function namedAs(flag: EnvironmentFlag, environment: string): string {
  return flag === '--env' ? `--env ${environment}` : `(TENANTSEED_ENV=${environment})`;
}

/**
 * Refuses `--env production` before anything else (no profile is even read), so that it is
 * refused whether or not a production profile exists.
 */
export function refuseProduction(command: string, environment: string | undefined, environmentFlag: EnvironmentFlag = '--env'): void {
  if (environment === PRODUCTION) {
    throw new SafetyError(`Refusing to ${command} ${namedAs(environmentFlag, PRODUCTION)}: tenantseed never writes production data`, {
      hint: 'Seed a copy under another environment name. Nothing was changed.',
    });
  }
}

function refuseProductionStamp(command: string, databaseName: string, stamp: EnvironmentStamp | undefined): void {
  if (stamp?.environment === PRODUCTION) {
    throw new SafetyError(`Refusing to ${command}: the database ${databaseName} is stamped "production" (by ${stamp.stampedBy})`, {
      hint: 'tenantseed never writes a production database, whatever the flags. Nothing was changed.',
    });
  }
}

/** What the one rule for destructive operations decides on. */
export interface DestroyInput {
  /** The command, for messages: `reset`, `migrate down`, `migrate rollback --all`. */
  readonly command: string;
  /** `--env`, if the command was given one. */
  readonly environment?: string;
  /** How the environment is named, for messages (default `--env`). */
  readonly environmentFlag?: EnvironmentFlag;
  /** The database's environment stamp, if it has one. */
  readonly stamp?: EnvironmentStamp;
  /** Whether `--env`'s profile is protected (true when there is no such profile). */
  readonly protected: boolean;
  /** The tables that hold rows: what the command would destroy. */
  readonly contents: readonly TableContents[];
  /** `--yes`. */
  readonly yes: boolean;
  /** The database's name: what an interactive confirmation must type. */
  readonly databaseName: string;
  /** Asks the user (only in a terminal, never with CI=true); resolves to the typed answer. */
  readonly confirm?: (question: string) => Promise<string>;
  /** What a refusal that could have been confirmed tells the user to do (default: `--yes`, or the typed name in a terminal). */
  readonly wayOut?: string;
  /**
   * Objects the command would drop that neither the migrations nor tenantseed made (reset): they
   * need a confirmation even on a database stamped with the unprotected environment `--env` names.
   */
  readonly foreign?: readonly ForeignObject[];
}

/** The foreign objects part of a refusal or notice, empty when there are none. */
function foreignPart(command: string, foreign: readonly ForeignObject[]): { what: string; list: string } {
  if (foreign.length === 0) return { what: '', list: '' };
  return {
    what: `${foreign.length} object(s) that the project's migrations did not make`,
    list: `\n${command} drops these objects, which the project's migrations did not make:\n${describeForeignObjects(foreign)}`,
  };
}

/** The tables and row counts a refusal lists. */
export function describeContents(contents: readonly TableContents[]): string {
  const shown = contents.slice(0, 20).map((c) => `  ${c.table.padEnd(40)} ${c.estimated ? '~' : ''}${c.rows.toLocaleString('en-US')} rows`);
  if (contents.length > 20) shown.push(`  ... and ${contents.length - 20} more tables`);
  return shown.join('\n');
}

/**
 * The one rule for every operation that destroys data (`reset`, `migrate down`, `migrate
 * rollback --all`): it goes on without asking only on a database that holds no rows, or that
 * is stamped with the unprotected environment `--env` names. Production (stamp or `--env`) is
 * always refused. Anything else (rows but no stamp, another environment's stamp, a protected
 * environment) needs `--yes` or, in a terminal, the database's name typed. A refusal is a
 * SafetyError (exit 3) raised before anything changed, listing the tables and rows it would
 * have destroyed. Returns the notices of explicit confirmations, to be printed.
 *
 * @example
 * const notices = await assertMayDestroy({ command: 'reset', environment: 'test', stamp, protected: false, contents, yes: false, databaseName: 'app' });
 */
export async function assertMayDestroy(input: DestroyInput): Promise<string[]> {
  const { command, environment, stamp, databaseName, contents } = input;
  const flag = input.environmentFlag ?? '--env';
  refuseProduction(command, environment, flag);
  refuseProductionStamp(command, databaseName, stamp);
  const foreign = foreignPart(command, input.foreign ?? []);
  if (contents.length === 0 && !foreign.what) return [];
  if (!foreign.what && stamp && environment !== undefined && stamp.environment === environment && !input.protected) return [];
  const rows = contents.reduce((sum, c) => sum + c.rows, 0);
  const reason = foreign.what && stamp && stamp.environment === environment && !input.protected
    ? `holds objects that the project's migrations did not make (someone added them)`
    : !stamp
    ? 'has no environment stamp (tenantseed did not make it, or never seeded it)'
    : environment === undefined
      ? `is stamped "${stamp.environment}" and no ${flag} says it is that environment`
      : stamp.environment !== environment
        ? `is stamped "${stamp.environment}", not "${environment}"`
        : `is the protected environment ${environment}`;
  const what = [contents.length > 0 ? `${contents.length} table(s) with ${rows.toLocaleString('en-US')} row(s)` : '', foreign.what].filter(Boolean).join(' and ');
  const listed = `${contents.length > 0 ? `\n${describeContents(contents)}` : ''}${foreign.list}`;
  if (input.yes) return [`--yes: ${command} destroys ${what} of ${databaseName}, which ${reason}.${foreign.list}`];
  if (input.confirm) {
    const answer = (await input.confirm(`${databaseName} ${reason}; ${command} destroys ${what}:${listed}\nType the database name to go on: `)).trim();
    if (answer !== databaseName) throw new SafetyError(`Not confirmed (typed "${answer}", not "${databaseName}")`, { hint: 'Nothing was changed.' });
    return [];
  }
  throw new SafetyError(`Refusing to ${command}: the database ${databaseName} ${reason}, and it would destroy ${what}:${listed}`, {
    hint: `Check that this is the database you mean; ${input.wayOut ?? `pass --yes to ${command} it anyway, or run it in a terminal to confirm by typing its name`}. Nothing was changed.`,
  });
}

/** What the guard of commands that write without destroying (seed, tenant add) decides on. */
export interface WriteInput {
  readonly command: string;
  readonly environment: string;
  readonly stamp?: EnvironmentStamp;
  readonly yes: boolean;
  readonly databaseName: string;
}

/**
 * Refuses (SafetyError, exit 3, before anything changes) to write into a production database
 * or into one stamped as another environment (unless `--yes`). Writing destroys nothing, so a
 * protected environment needs no confirmation. Returns the notices of explicit bypasses.
 *
 * @example
 * await assertSafeToWrite({ command: 'seed', environment: 'test', stamp, yes: false, databaseName: 'app' });
 */
export async function assertSafeToWrite(input: WriteInput): Promise<string[]> {
  const { command, environment, stamp } = input;
  refuseProduction(command, environment);
  refuseProductionStamp(command, input.databaseName, stamp);
  if (stamp && stamp.environment !== environment) {
    if (!input.yes) {
      throw new SafetyError(`Refusing to ${command} --env ${environment}: the database ${input.databaseName} is stamped "${stamp.environment}" (by ${stamp.stampedBy} at ${stamp.stampedAt.toISOString()})`, {
        hint: `Check that this is the database you mean; pass --yes to ${command} it as ${environment} anyway. Nothing was changed.`,
      });
    }
    return [`--yes: ${command} a database stamped "${stamp.environment}" as "${environment}".`];
  }
  return [];
}

/**
 * Rows the migrations insert themselves (`x-existing-rows`: a default tenant, built-in
 * templates), per table: not data anyone could lose, since the migrations make them again.
 */
export function rowsMadeByMigrations(definitions: DefinitionSet): Map<string, number> {
  return new Map(definitions.tables.filter((t) => t.existingRows.length > 0).map((t) => [t.table, t.existingRows.length]));
}

/**
 * Takes ACCESS EXCLUSIVE locks on every table of `schemas`, in the caller's transaction, all at
 * once or none and each wait bounded (lockTablesAtOnce), before it counts what it would destroy: rows committed by others after the count cannot be
 * destroyed unseen (they wait, and see the result).
 */
export async function lockSchemaTables(trx: Knex.Transaction, schemas: readonly string[], locking: LockTablesOptions = {}): Promise<void> {
  const tables = (await listSchemaObjects(trx, schemas)).filter((o) => o.kind === 'TABLE').map((o) => o.name);
  await lockTablesAtOnce(knexLockQuery(trx), tables, locking);
}

/** A {@link LockQuery} on a Knex transaction (`$n` placeholders, as node-postgres has them). */
export function knexLockQuery(trx: Knex.Transaction): LockQuery {
  return async (sql, params = []) => trx.raw(sql.replace(/\$\d+/g, '?'), params as Knex.RawBinding[]);
}
