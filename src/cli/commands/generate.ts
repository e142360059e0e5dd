import type { Argv, CommandModule } from 'yargs';
import type pg from 'pg';
import { FILE_FORMATS, FileFormat, needsCheckEvaluation, writeDatasetFiles } from '../../load';
import type { Plan } from '../../generate';
import type { ProjectConfig } from '../../config';
import { DatasetArgs, planFromArgs, withDatasetOptions } from '../dataset-options';
import { CliIO } from '../output';
import { progressDisplay } from '../progress';
import { DatabaseArgs, withDatabase } from '../with-database';

/**
 * Runs `write` with a connection that evaluates the definitions' `x-checks`, when some table has
 * them (generate needs no database otherwise).
 */
async function withCheckConnection<T>(args: GenerateArgs, io: CliIO, plan: Plan, project: ProjectConfig, write: (client?: pg.ClientBase) => Promise<T>): Promise<T> {
  if (!needsCheckEvaluation([...plan.tables, ...plan.legacyTables])) return write();
  return withDatabase(args, io, 'generate', project, async ({ knex }) => {
    const client = (await knex.client.acquireConnection()) as pg.PoolClient;
    try {
      return await write(client);
    } finally {
      await knex.client.releaseConnection(client);
    }
  });
}

interface GenerateArgs extends DatasetArgs, DatabaseArgs {
  out: string;
  format: FileFormat;
  json?: boolean;
  quiet?: boolean;
}

/** `tenantseed generate --env ENV --out DIR [--format json|csv|sql]`: no database needed. */
export function generateCommand(io: CliIO): CommandModule<object, GenerateArgs> {
  return {
    command: 'generate',
    describe: 'Write the dataset of an environment to files (no database needed, unless definitions have x-checks)',
    builder: (yargs: Argv) =>
      withDatasetOptions(yargs)
        .option('out', { type: 'string', demandOption: true, describe: 'Folder to write (new, empty, or a previous output)' })
        .option('format', { choices: FILE_FORMATS, default: 'csv' as FileFormat, describe: 'File format' })
        .option('json', { type: 'boolean', describe: 'Machine-readable summary on stdout' })
        .option('quiet', { type: 'boolean', describe: 'No progress on stderr (the summary is still printed)' }) as unknown as Argv<GenerateArgs>,
    handler: async (args) => {
      const started = Date.now();
      const { plan, project } = planFromArgs(args);
      const planRows = [...plan.tables, ...plan.legacyTables].reduce((sum, t) => sum + t.rowCount(), 0);
      const progress = progressDisplay(io, { off: Boolean(args.quiet || args.json), planRows });
      let result;
      try {
        result = await withCheckConnection(args, io, plan, project, (checks) => writeDatasetFiles({
          plan, directory: args.out, format: args.format, strict: args.strict, onProgress: progress.update, checks,
        }));
        progress.finish();
      } finally {
        progress.stop();
      }
      const seconds = (Date.now() - started) / 1000;
      if (args.json) {
        io.stdout.write(JSON.stringify({ environment: plan.profile.name, seed: plan.seed, tenants: plan.tenants.length, generatorVersion: plan.generatorVersion, seconds, ...result }) + '\n');
        return;
      }
      for (const file of [...result.files, ...result.legacyFiles]) io.stdout.write(`  ${file.file.padEnd(34)} ${String(file.rows).padStart(9)} rows\n`);
      io.stdout.write(`Wrote ${result.rows} rows of ${plan.tenants.length} tenants (${plan.profile.name}, seed ${plan.seed}) to ${result.directory} in ${seconds.toFixed(1)} s\n`);
      io.stdout.write(`Fingerprint: ${result.fingerprint} (generator v${plan.generatorVersion})\n`);
    },
  };
}
