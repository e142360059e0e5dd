import { tableExists } from '../db';
import { compiledValidator, schemaErrorsText } from '../definitions';
import type { CheckContext, CheckResult, Finding } from './types';
import { ident } from './types';

/** `json-schema`: JSONB columns still validate against their definitions' schemas. */
export async function checkJsonSchema(ctx: CheckContext): Promise<CheckResult> {
  const findings: Finding[] = [];
  const scope: string[] = [];
  const covered: string[] = [];
  for (const table of ctx.definitions.tables) {
    const columns = table.columns.filter((c) => c.json);
    if (columns.length === 0) continue;
    if (!await tableExists(ctx.knex, table.table)) continue;
    const id = table.idColumn;
    const total = (await ctx.knex.raw(`SELECT count(*) AS n FROM ${ident(table.table)}`)).rows[0].n as number;
    // to_jsonb: node-pg parses arrays only of the types it knows; an enum array ("AgentRole"[])
    // or a varchar[] would come back as the text '{pm,custom}'. As JSON, every array, enum or
    // not, and every json/jsonb value reads the same. Aliases by position: no name can clash.
    const selected = (await ctx.knex.raw(
      `SELECT ${ident(id)}::text AS id, ${columns.map((c, i) => `to_jsonb(${ident(c.name)}) AS c${i}`).join(', ')} FROM ${ident(table.table)} LIMIT ?`,
      [ctx.jsonSample],
    )).rows as Array<Record<string, unknown>>;
    const rows = selected;
    covered.push(table.table);
    scope.push(rows.length < total ? `${table.table}: a sample of ${rows.length} of ${total} rows` : `${table.table}: all ${total} rows`);
    for (const [i, column] of columns.entries()) {
      const validate = compiledValidator(column.schema);
      const bad = rows.filter((r) => r[`c${i}`] !== null && !validate(r[`c${i}`]));
      if (bad.length > 0) {
        validate(bad[0][`c${i}`]);
        findings.push({
          table: table.table,
          message: `${bad.length} row(s) have ${column.name} that does not match its schema: ${schemaErrorsText(validate.errors, { dataVar: column.name })}`,
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
      summary: findings.length > 0 ? `${findings.length} JSON or array column(s) with invalid values`
        : scope.length === 0 ? 'no JSON or array columns in the definitions' : `JSON and array columns valid (${scope.join('; ')})`,
      findings,
      scope,
      hint: findings.length ? 'Fix the rows, or update the definition if the shape changed on purpose.' : undefined,
    },
  };
}
