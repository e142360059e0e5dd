import type { Argv, CommandModule } from 'yargs';
import { withAdvisoryLock } from '../../db';
import { loadDefinitions } from '../../definitions';
import { distributeTables } from '../../workflows';
import { CliIO } from '../output';
import { ProjectArgs, projectFromArgs, withFolderOptions } from '../dataset-options';
import { DatabaseArgs, withDatabase } from '../with-database';

interface DistributeArgs extends DatabaseArgs, ProjectArgs {
  json?: boolean;
}

/** `tenantseed distribute [--json]`: on a Citus coordinator. */
export function distributeCommand(io: CliIO): CommandModule<object, DistributeArgs> {
  return {
    command: 'distribute',
    describe: 'On a Citus coordinator: distribute tenant tables by their tenant column (co-located), the others as reference tables',
    builder: (yargs: Argv) =>
      withFolderOptions(yargs).option('json', { type: 'boolean', describe: 'Machine-readable summary on stdout' }) as unknown as Argv<DistributeArgs>,
    handler: async (args) => {
      const project = projectFromArgs(args);
      const definitions = loadDefinitions(project.definitions);
      await withDatabase(args, io, 'distribute', project, async ({ knex }) => {
        const outcome = await withAdvisoryLock(knex, 'tenantseed:migrate', { waitMs: 30_000 }, () =>
          knex.transaction((trx) => distributeTables(trx, { definitions, project })));
        if (args.json) {
          io.stdout.write(JSON.stringify(outcome, null, 2) + '\n');
          return;
        }
        for (const role of outcome.rolesMadeLogin) io.stdout.write(`  role ${role} given LOGIN: Citus connects to the workers as the current role (docs/scale-out.md)\n`);
        for (const r of outcome.rolesLeftNoLogin) io.stdout.write(`  role ${r.role} left NOLOGIN: it bypasses row-level security; to connect as it, give it a password: ${r.statement}\n`);
        for (const c of outcome.changed) io.stdout.write(`  ${c.table.padEnd(36)} ${c.target === 'distributed' ? `distributed by ${c.column}, co-located with ${outcome.anchor}` : 'reference table'}\n`);
        io.stdout.write(outcome.changed.length === 0
          ? 'Already distributed: every tenant table by its tenant column, co-located; the others reference tables.\n'
          : `Distributed ${outcome.changed.length} table(s); ${outcome.foreignKeys} foreign key(s) dropped and added again around it.\n`);
      });
    },
  };
}
