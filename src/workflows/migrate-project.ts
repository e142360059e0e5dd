import type { Knex } from 'knex';
import type { ProjectConfig } from '../config';
import { citusStatus, migrate, MigrateAction, MigrateResult, readEnvironmentStamp, tableContents } from '../db';
import { distributeTables, undistributeTables } from './distribute-tables';
import type { DefinitionSet } from '../definitions';
import { assertMayDestroy, refuseProduction, rowsMadeByMigrations } from './safety';

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
    onLockWait: options.onLockWait,
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
        const databaseName = (await knex.raw('SELECT current_database() AS name')).rows[0].name as string;
        notices = await assertMayDestroy({
          command,
          environment: options.environment,
          stamp: await readEnvironmentStamp(knex),
          protected: options.protected,
          contents: await tableContents(knex, project.schemas, options.definitions ? rowsMadeByMigrations(options.definitions) : new Map()),
          yes: options.yes ?? false,
          databaseName,
          confirm: options.confirm,
        });
        const undistributed = await knex.transaction((trx) => undistributeTables(trx, project));
        if (undistributed.length > 0) notices.push(`Citus: ${undistributed.length} table(s) made local again for the down migrations; \`migrate latest\` distributes them again.`);
      }
      : undefined,
  });
  return { result, notices };
}
