import type { Argv, CommandModule } from 'yargs';
import path from 'node:path';
import { TenantseedError } from '../../errors';
import { introspectDatabase, LEARNED_FROM_FILE } from '../../workflows';
import { parseDatabaseUrl } from '../../config';
import { createKnex } from '../../db';
import { CliIO } from '../output';
import { ProjectArgs, projectFromArgs, single } from '../dataset-options';
import { DatabaseArgs, withDatabase } from '../with-database';

interface IntrospectArgs extends DatabaseArgs, ProjectArgs {
  out: string;
  schema?: string;
  force?: boolean;
  json?: boolean;
  'learn-from'?: string;
}

const HEADINGS = { inferred: 'Inferred', warning: 'Warnings (isolation gaps and guesses to check)', 'hand-edit': 'Needs a hand edit' } as const;

/** `tenantseed introspect --out DIR [--schema NAME] [--force] [--json]` */
export function introspectCommand(io: CliIO): CommandModule<object, IntrospectArgs> {
  return {
    command: 'introspect',
    describe: 'Draft definitions, a starter profile and a config from a migrated database (any migration tool)',
    builder: (yargs: Argv) =>
      yargs
        .option('out', { type: 'string', demandOption: true, coerce: single('--out'), describe: 'Folder to write definitions/, environments/development.json and test.json, and tenantseed.config.json into' })
        .option('schema', { type: 'string', coerce: single('--schema'), describe: "Schema to read (default: the project's first schema, public)" })
        .option('force', { type: 'boolean', describe: 'Overwrite files that exist already' })
        .option('json', { type: 'boolean', describe: 'Machine-readable summary on stdout' })
        .option('learn-from', {
          type: 'string', coerce: single('--learn-from'),
          describe: 'A source database URL (production, or a copy) to learn distributions from: statistics only, read-only; never a non-categorical value',
        }) as unknown as Argv<IntrospectArgs>,
    handler: async (args) => {
      const project = projectFromArgs(args);
      const source = args['learn-from'] ? createKnex(parseDatabaseUrl(args['learn-from'], '--learn-from'), { applicationName: 'tenantseed introspect --learn-from (read-only)', poolMax: 1 }) : undefined;
      await withDatabase(args, io, 'introspect', project, async ({ knex }) => {
        const outcome = await introspectDatabase({ knex, project, outDir: args.out, schema: args.schema, force: args.force, configDir: process.cwd(), learnFrom: source })
          .finally(() => source?.destroy());
        const stats = outcome.statistics;
        const edits = outcome.findings.filter((f) => f.level === 'hand-edit').length;
        const failed = () => {
          const where = outcome.failure!.file ?? 'the drafted files';
          const first = edits > 0 ? `make the ${edits} hand edit${edits === 1 ? '' : 's'} listed above and ` : '';
          const reason = outcome.failure!.reason;
          return new TenantseedError(`introspect's draft does not ${outcome.failure!.stage}: ${where}${reason.startsWith('at ') ? ' ' : ': '}${reason}`, {
            hint: `The files are written: ${first}edit ${where} as the reason says, then run introspect's check again with \`npx tenantseed reset --env development\` from this folder (one transaction: a row that fails changes nothing).`,
          });
        };
        if (args.json) {
          io.stdout.write(JSON.stringify({
            outDir: outcome.outDir, schema: outcome.schema, files: outcome.files, config: outcome.configFile, root: outcome.draft.root, tenancy: outcome.draft.tenancy,
            rows: outcome.rows, handEdits: edits, failure: outcome.failure, findings: outcome.findings,
          }, null, 2) + '\n');
          if (outcome.failure) throw failed();
          return;
        }
        if (stats) {
          io.stdout.write(`Read from ${stats.database} as ${stats.role} (one READ ONLY transaction; statistics and counts only, the queries are in ${path.join(path.relative(process.cwd(), outcome.outDir) || '.', LEARNED_FROM_FILE)}):\n`);
          for (const r of stats.read) io.stdout.write(`  ${r.skipped ? 'not read' : 'read'}: ${r.what}${r.skipped ? ` (${r.skipped})` : ''}\n`);
        }
        for (const level of ['inferred', 'warning', 'hand-edit'] as const) {
          const found = outcome.findings.filter((f) => f.level === level);
          if (found.length === 0) continue;
          io.stdout.write(`${HEADINGS[level]}:\n`);
          for (const f of found) io.stdout.write(`  ${f.table ? `${f.table}: ` : ''}${f.message}\n`);
        }
        const config = path.relative(process.cwd(), outcome.configFile) || outcome.configFile;
        io.stdout.write(`Wrote ${outcome.files.length} files: ${outcome.draft.definitions.size} definitions and environments/development.json and test.json into ${outcome.outDir}, and ${config}.\n`);
        if (outcome.failure) throw failed();
        if (outcome.rows !== undefined) io.stdout.write(`Checked: the development profile generates ${outcome.rows.toLocaleString('en-US')} rows, each valid against its definition, and loads them (rolled back) with every key, CHECK and foreign key in place.\n`);
        io.stdout.write(`${edits} hand edit${edits === 1 ? '' : 's'}${edits > 0 ? ' needed (above) before seeding.' : '.'}\n`);
        if (edits === 0) io.stdout.write('Next, from this folder: npx tenantseed reset --env development (or seed, if the tables are empty)\n');
      });
    },
  };
}
