import type { Knex } from 'knex';
import type { ProjectConfig } from '../config';
import { citusStatus, migrate, MigrateAction, MigrateResult, readEnvironmentStamp, tableContents } from '../db';
import { distributeTables, undistributeTables } from './distribute-tables';
import { DefinitionSet, loadDefinitions, loadProfile } from '../definitions';
import { assertMayDestroy, EnvironmentFlag, refuseProduction, rowsMadeByMigrations } from './safety';

/** Whether an environment's profile is protected; an environment without a profile counts as protected. */
export function isProtectedEnvironment(project: ProjectConfig, environment: string): boolean {
  try {
    return loadProfile(project.environments, environment).protected;
  } catch {
    return true;
  }
}

/** The project's definitions when they load (their x-existing-rows are not counted as data), else none. */
export function definitionsIfAny(project: ProjectConfig): DefinitionSet | undefined {
  try {
    return loadDefinitions(project.definitions);
  } catch {
    return undefined;
  }
}

/** What the one rule decides a down migration on (see {@link assertMayMigrateDown}). */
export interface MigrateDownCheck {
  knex: Knex | Knex.Transaction;
  project: ProjectConfig;
  /** For messages: `migrate down`, `migrate rollback --all`, ... */
  command: string;
  environment?: string;
  environmentFlag?: EnvironmentFlag;
  /** Whether the environment's profile is protected (true when there is none). */
  protected: boolean;
  definitions?: DefinitionSet;
  yes?: boolean;
  confirm?: (question: string) => Promise<string>;
  /** What a refusal that could have been confirmed tells the user to do. */
  wayOut?: string;
}

/**
 * The one rule for destructive operations, applied to down migrations before the first one
 * runs: counts the rows of the project's schemas (not those the migrations make themselves)
 * and reads the stamp. Returns the notices of explicit confirmations; a refusal throws.
 *
 * @example
 * await assertMayMigrateDown({ knex, project, command: 'migrate down', environment: 'test', protected: false });
 */
export async function assertMayMigrateDown(check: MigrateDownCheck): Promise<string[]> {
  const { knex } = check;
  const databaseName = (await knex.raw('SELECT current_database() AS name')).rows[0].name as string;
  return assertMayDestroy({
    command: check.command,
    environment: check.environment,
    environmentFlag: check.environmentFlag,
    stamp: await readEnvironmentStamp(knex),
    protected: check.protected,
    contents: await tableContents(knex, check.project.schemas, check.definitions ? rowsMadeByMigrations(check.definitions) : new Map()),
    yes: check.yes ?? false,
    databaseName,
    confirm: check.confirm,
    wayOut: check.wayOut,
  });
}

/** Options of {@link migrateProject}. */
export interface MigrateProjectOptions {
  knex: Knex;
  project: ProjectConfig & { migrations: string };
  action: MigrateAction;
  /** `--env`, if given. */
  environment?: string;
  /** Whether `--env`'s profile is protected (true when it has none). */
  protected: boolean;
  /** The project's definitions, if they load: rows their `x-existing-rows` name are not counted as data. */
  definitions?: DefinitionSet;
  yes?: boolean;
  confirm?: (question: string) => Promise<string>;
  onLockWait?: (holder: string) => void;
  /** Told what the run did besides migrating (a stale Knex lock row freed). */
  onNotice?: (message: string) => void;
}

/**
 * `tenantseed migrate`: the project's migrations, with the one rule for destructive operations
 * applied to `down` and `rollback --all` (decided under the migrate lock, before any migration
 * runs): they go on without asking only on a database without rows, or stamped with the
 * unprotected environment `--env` names.
 *
 * @example
 * const { result } = await migrateProject({ knex, project, action: 'rollback-all', environment: 'test', protected: false });
 */
export async function migrateProject(options: MigrateProjectOptions): Promise<{ result: MigrateResult; notices: string[] }> {
  const { knex, project, action } = options;
  const destructive = action === 'down' || action === 'rollback-all';
  const command = action === 'rollback-all' ? 'migrate rollback --all' : `migrate ${action}`;
  if (destructive) refuseProduction(command, options.environment);
  let notices: string[] = [];
  const result = await migrate({
    knex,
    action,
    directory: project.migrations,
    schemas: project.schemas,
    onLockWait: options.onLockWait,
    onNotice: options.onNotice,
    // On a Citus coordinator, a schema at its latest migration is distributed; down migrations
    // run on local tables (they may drop a distribution column), so tables are undistributed first.
    afterRun: async (ran) => {
      if (action === 'status' || destructive || ran.pending.length > 0 || !(await citusStatus(knex)).coordinator) return;
      if (!options.definitions) {
        notices.push('Citus: the tables were not distributed (the project\'s definitions did not load, so the tenant columns are unknown); run `tenantseed distribute`.');
        return;
      }
      const outcome = await knex.transaction((trx) => distributeTables(trx, { definitions: options.definitions!, project }));
      if (outcome.changed.length > 0) notices.push(`Citus: distributed ${outcome.changed.length} table(s) (tenant tables by their tenant column, co-located with ${outcome.anchor}; the others reference tables).`);
    },
    beforeRun: destructive
      ? async () => {
        notices = await assertMayMigrateDown({
          knex, project, command, environment: options.environment, protected: options.protected,
          definitions: options.definitions, yes: options.yes, confirm: options.confirm,
        });
        const undistributed = await knex.transaction((trx) => undistributeTables(trx, project));
        if (undistributed.length > 0) notices.push(`Citus: ${undistributed.length} table(s) made local again for the down migrations; \`migrate latest\` distributes them again.`);
      }
      : undefined,
  });
  return { result, notices };
}
