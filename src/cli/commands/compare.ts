import fs from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { parseDatabaseUrl } from '../../config';
import { createKnex } from '../../db';
import { loadDefinitions } from '../../definitions';
import { UsageError } from '../../errors';
import { renderFidelityHtml } from '../../report';
import type { FidelityReport } from '../../validate';
import { compareWithSource } from '../../workflows';
import { EXIT } from '../exit-codes';
import { CliIO } from '../output';
import { ProjectArgs, projectFromArgs, single, withFolderOptions } from '../dataset-options';
import { DatabaseArgs, projectLabel, withDatabase } from '../with-database';

interface CompareArgs extends DatabaseArgs, ProjectArgs {
  source: string;
  json?: boolean;
  reporter?: 'text' | 'json' | 'html';
  output?: string;
}

const fixed = (n: number) => n.toFixed(3);

/** The report as text: the columns and counts off the limits first, then a line per column. */
function printFidelity(io: CliIO, report: FidelityReport): void {
  const { limits } = report;
  io.stdout.write(`Compared with ${report.source.database} (read as ${report.source.role}): ${report.columns.length} columns, ${report.rowsPerTenant.length} rows-per-tenant and ${report.childrenPerParent.length} children-per-parent distributions\n`);
  for (const c of report.columns) {
    const distance = c.tvd ? `TVD ${fixed(c.tvd.value)}` : c.ks ? `KS ${fixed(c.ks.value)}` : '';
    io.stdout.write(`${c.ok ? 'ok  ' : 'OFF '}  ${c.table}.${c.column}  nulls ${fixed(c.nullFraction.source)} / ${fixed(c.nullFraction.target)}${distance ? `  ${distance}` : ''}\n`);
  }
  for (const [title, counts] of [['rows per tenant', report.rowsPerTenant], ['children per parent', report.childrenPerParent]] as const) {
    for (const c of counts) {
      io.stdout.write(`${c.ok ? 'ok  ' : 'OFF '}  ${title} ${c.name}  ${c.compared.map((q) => `${q.label} ${q.source}/${q.target}`).join('  ')}\n`);
    }
  }
  for (const n of report.notCompared) io.stdout.write(`not compared: ${n}\n`);
  const off = report.columns.filter((c) => !c.ok).length + [...report.rowsPerTenant, ...report.childrenPerParent].filter((c) => !c.ok).length;
  io.stdout.write(report.ok
    ? `The generated data follows the source: TVD <= ${limits.tvd}, KS <= ${limits.ks}, null fractions within ${limits.nullFraction}, quantiles within ${limits.quantile * 100}%.\n`
    : `${off} distribution(s) off the limits (TVD <= ${limits.tvd}, KS <= ${limits.ks}, null fractions within ${limits.nullFraction}, quantiles within ${limits.quantile * 100}%).\n`);
}

/** `tenantseed compare --source URL [--json | --reporter html [--output FILE]]` */
export function compareCommand(io: CliIO, setExitCode: (code: number) => void): CommandModule<object, CompareArgs> {
  return {
    command: 'compare',
    describe: 'Compare the project database\'s distributions with a source database\'s statistics (a fidelity report)',
    builder: (yargs: Argv) =>
      withFolderOptions(yargs)
        .option('source', { type: 'string', demandOption: true, coerce: single('--source'), describe: 'The source database URL (read-only, statistics only, as introspect --learn-from reads it)' })
        .option('json', { type: 'boolean', describe: 'Machine-readable report on stdout (the same as --reporter json)' })
        .option('reporter', { choices: ['text', 'json', 'html'] as const, describe: 'Report format: text, json or html (one page with small charts)' })
        .option('output', { type: 'string', coerce: single('--output'), describe: 'Write the json or html report to this file (text still goes to stdout)' }) as unknown as Argv<CompareArgs>,
    handler: async (args) => {
      const project = projectFromArgs(args);
      const definitions = loadDefinitions(project.definitions);
      const reporter = args.reporter ?? (args.json ? 'json' : 'text');
      if (args.json && args.reporter && args.reporter !== 'json') throw new UsageError(`--json and --reporter ${args.reporter} ask for two formats`, { hint: 'Give one of them.' });
      if (args.output && reporter === 'text') throw new UsageError('--output needs --reporter json or html', { hint: 'For example: --reporter html --output fidelity.html' });
      if (args.output && !fs.existsSync(path.dirname(path.resolve(args.output)))) throw new UsageError(`The folder of ${args.output} does not exist`, { hint: 'Create it, or name a file in an existing folder.' });
      const source = createKnex(parseDatabaseUrl(args.source, '--source'), { applicationName: 'tenantseed compare (read-only)', poolMax: 1 });
      await withDatabase(args, io, 'compare', project, async ({ knex, logger }) => {
        const { report } = await compareWithSource({ knex, source, definitions, schema: project.schemas[0] }).finally(() => source.destroy());
        const rendered = reporter === 'json' ? JSON.stringify({ project: projectLabel(project), ...report }) + '\n' : reporter === 'html' ? renderFidelityHtml(report) : undefined;
        if (!rendered) printFidelity(io, report);
        else if (!args.output) io.stdout.write(rendered);
        else {
          printFidelity(io, report);
          fs.writeFileSync(path.resolve(args.output), rendered);
          logger.info(`Wrote the ${reporter} report to ${path.resolve(args.output)}`);
        }
        if (!report.ok) setExitCode(EXIT.failed);
      });
    },
  };
}
