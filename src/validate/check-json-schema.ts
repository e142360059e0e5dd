import { tableExists } from '../db';
import { createAjv } from '../definitions';
import type { CheckContext, CheckResult, Finding } from './types';
import { ident } from './types';

/** `json-schema`: JSONB columns still validate against their definitions' schemas. */
export async function checkJsonSchema(ctx: CheckContext): Promise<CheckResult> {
  const ajv = createAjv();
  const findings: Finding[] = [];
  const scope: string[] = [];
  const covered: string[] = [];
  for (const table of ctx.definitions.tables) {
    const columns = table.columns.filter((c) => c.json);
    if (columns.length === 0) continue;
    if (!await tableExists(ctx.knex, table.table)) continue;
    const id = table.idColumn;
    const total = (await ctx.knex.raw(`SELECT count(*) AS n FROM ${ident(table.table)}`)).rows[0].n as number;
    const rows = (await ctx.knex.raw(
      `SELECT ${ident(id)}::text AS id, ${columns.map((c) => ident(c.name)).join(', ')} FROM ${ident(table.table)} LIMIT ?`,
      [ctx.jsonSample],
    )).rows as Array<Record<string, unknown>>;
    covered.push(table.table);
    scope.push(rows.length < total ? `${table.table}: a sample of ${rows.length} of ${total} rows` : `${table.table}: all ${total} rows`);
    for (const column of columns) {
      const validate = ajv.compile(column.schema);
      const bad = rows.filter((r) => r[column.name] !== null && !validate(r[column.name]));
      if (bad.length > 0) {
        validate(bad[0][column.name]);
        findings.push({
          table: table.table,
          message: `${bad.length} row(s) have ${column.name} that does not match its schema: ${ajv.errorsText(validate.errors, { dataVar: column.name })}`,
          examples: bad.slice(0, 5).map((r) => String(r.id)),
        });
      }
    }
  }
  return {
    name: 'json-schema',
    ok: findings.length === 0,
    details: {
      tables: covered,
      summary: findings.length === 0 ? `JSON and array columns valid (${scope.join('; ')})` : `${findings.length} JSON or array column(s) with invalid values`,
      findings,
      scope,
      hint: findings.length ? 'Fix the rows, or update the definition if the shape changed on purpose.' : undefined,
    },
  };
}
