import type { Knex } from 'knex';
import { quoteQualifiedName, readSchemaSnapshot, readSourceStatistics } from '../db';
import type { SourceStatistics } from '../db';
import type { DefinitionSet } from '../definitions';
import { statisticsRequest } from '../introspect';
import type { DraftNode } from '../introspect';
import { compareDistributions, FidelityReport } from '../validate';

/** Options of {@link compareWithSource}. */
export interface CompareWithSourceOptions {
  /** The project's (generated) database. */
  readonly knex: Knex;
  /** The source database: read as `introspect --learn-from` reads it (statistics only, read-only). */
  readonly source: Knex;
  readonly definitions: DefinitionSet;
  readonly schema: string;
}

/** What {@link compareWithSource} found, and what it read on each side. */
export interface CompareOutcome {
  readonly report: FidelityReport;
  readonly sourceStatistics: SourceStatistics;
  readonly targetStatistics: SourceStatistics;
}

/**
 * `tenantseed compare --source URL`: reads the same statistics of the source and of the
 * project's database (after an ANALYZE of the project's tables, so they describe the rows now
 * there) and compares them column by column (total variation of categories, Kolmogorov-Smirnov
 * of numbers and dates, null fractions) and by the quantiles of rows per tenant and children per
 * parent. The source is only read, as introspect --learn-from reads it.
 *
 * @example
 * const { report } = await compareWithSource({ knex, source, definitions, schema: 'public' });
 * report.ok
 */
export async function compareWithSource(options: CompareWithSourceOptions): Promise<CompareOutcome> {
  const { knex, source, definitions, schema } = options;
  const snapshot = await readSchemaSnapshot(knex, schema);
  const drafted = { definitions: new Map(definitions.tables.map((t) => [t.table, t.schema as DraftNode])), root: definitions.tenantRoot?.table };
  const request = statisticsRequest(snapshot, drafted);
  const sourceStatistics = await readSourceStatistics(source, request);
  // The project's side of a categorical column is read whatever its distinct count: its values are generated, not data.
  const categorical = new Set(sourceStatistics.columns.filter((c) => c.kind === 'categorical').map((c) => `${c.table}\0${c.column}`));
  const targetRequest = { ...request, tables: request.tables.map((t) => ({ ...t, columns: t.columns.map((c) => ({ ...c, listed: c.listed || categorical.has(`${t.name}\0${c.name}`) })) })) };
  for (const table of request.tables) await knex.raw(`ANALYZE ${quoteQualifiedName(schema, table.name)}`);
  const targetStatistics = await readSourceStatistics(knex, targetRequest);
  return { report: compareDistributions(sourceStatistics, targetStatistics), sourceStatistics, targetStatistics };
}
