import type pg from 'pg';
import { CatalogTable, quoteIdentifier, readTable } from '../db';
import { DatabaseError, DefinitionError, UsageError } from '../errors';
import type { Row, TablePlan } from '../generate';
import { pgArrayLiteral } from './array-literal';

/** How many times a row is drawn again before the load stops: a CHECK one draw in 7 meets fails 200 times once in 10^13. */
export const MAX_REDRAWS = 200;
/** Rows sent to PostgreSQL in one SELECT. */
const BATCH = 2000;

/** A value as PostgreSQL reads it from text (COPY's form, unescaped): null stays null. */
function asText(value: unknown, isArray: boolean): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (typeof value === 'number') return String(value);
  return isArray && Array.isArray(value) ? pgArrayLiteral(value) : JSON.stringify(value);
}

/**
 * One SELECT that says, for each candidate row, the first of the table's `x-checks` it breaks.
 * The rows go in as one JSON array of text values, cast to the columns' own types, so the
 * expressions (as the catalog prints them) read the row's columns by name; a column the
 * definition does not fill is NULL, as a CHECK on it then holds. A CHECK fails only when its
 * expression is false (NULL passes, as in PostgreSQL).
 */
function failingRowsQuery(plan: TablePlan, catalog: CatalogTable): { sql: string; encode: (row: Row) => (string | null)[] } {
  const positions = new Map(plan.columns.map((name, i) => [name, i]));
  const columns = catalog.columns.map((c, k) => {
    const at = positions.get(c.name);
    const value = at === undefined ? 'NULL' : `(tenantseed_row->>${k})`;
    return `${value}::${c.type} AS ${quoteIdentifier(c.name)}`;
  });
  const checks = plan.definition.checks.map((c, i) => `WHEN (${c.expression}) IS FALSE THEN ${i}`).join(' ');
  const sql = `SELECT tenantseed_i, tenantseed_check FROM (
      SELECT tenantseed_i, CASE ${checks} END AS tenantseed_check
        FROM (SELECT (tenantseed_at - 1)::int AS tenantseed_i, ${columns.join(', ')}
                FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS tenantseed_rows(tenantseed_row, tenantseed_at)) AS tenantseed_candidate
    ) AS tenantseed_checked WHERE tenantseed_check IS NOT NULL`;
  const sources = catalog.columns.map((c) => ({ at: positions.get(c.name), isArray: c.isArray }));
  return { sql, encode: (row) => sources.map((s) => (s.at === undefined ? null : asText(row[s.at], s.isArray))) };
}

/**
 * Makes a table's rows meet the CHECKs tenantseed cannot read (`x-checks`): PostgreSQL evaluates
 * every expression on the drawn rows, one SELECT per batch, and a row that breaks one is drawn
 * again with its next key (keyed and deterministic: the same rows are redrawn the same way on
 * every run) until all hold, at most {@link MAX_REDRAWS} times. Tables without `x-checks` cost
 * nothing. Returns how many rows were drawn again.
 *
 * @example
 * await settleChecks(client, plan, await readTable(client, plan.name));
 */
export async function settleChecks(client: pg.ClientBase, plan: TablePlan, catalog: CatalogTable): Promise<number> {
  const checks = plan.definition.checks;
  if (checks.length === 0) return 0;
  const { sql, encode } = failingRowsQuery(plan, catalog);
  const failing = async (rows: Row[]): Promise<Map<number, number>> => {
    try {
      const result = await client.query<{ tenantseed_i: number; tenantseed_check: number }>(sql, [JSON.stringify(rows.map(encode))]);
      return new Map(result.rows.map((r) => [r.tenantseed_i, r.tenantseed_check]));
    } catch (err) {
      const e = err as { message?: string; code?: string };
      throw new DatabaseError(`Evaluating the CHECKs of ${plan.name} (x-checks in ${plan.definition.file}) failed: ${e.message}`, {
        hint: `Each expression must be a CHECK of ${catalog.qualified} as PostgreSQL prints it (introspect writes them): correct or remove the one that fails.`,
        table: plan.name, sqlState: e.code, cause: err,
      });
    }
  };
  let redrawn = 0;
  for (const tenant of plan.tenantList()) {
    const count = plan.countFor(tenant);
    for (let start = 0; start < count; start += BATCH) {
      let pending = Array.from({ length: Math.min(BATCH, count - start) }, (_v, i) => start + i);
      for (let attempt = 0; pending.length > 0; attempt++) {
        const broken = await failing(pending.map((row) => plan.drawAt(tenant, row, attempt)));
        pending.forEach((row, i) => {
          if (!broken.has(i) && attempt > 0) {
            plan.redraw(tenant, row, attempt);
            redrawn++;
          }
        });
        if (broken.size > 0 && attempt === MAX_REDRAWS) {
          const [i, check] = broken.entries().next().value as [number, number];
          const { name, expression } = checks[check];
          throw new DatabaseError(
            `${plan.name}: ${broken.size} row(s)${tenant ? ` of tenant ${tenant.key}` : ''} (the first is row ${pending[i] + 1}) break the CHECK ${name} (${expression}) in ${MAX_REDRAWS + 1} draws`,
            {
              hint: `The values the definition draws (${plan.definition.file}) almost never meet ${name}: give the columns it reads generators or bounds that do (x-generate, enum, minimum/maximum), or remove ${name} from "x-checks" if it is gone.`,
              table: plan.name, constraint: name,
            },
          );
        }
        pending = pending.filter((_row, i) => broken.has(i));
      }
    }
  }
  return redrawn;
}

/** Whether any of the tables has CHECKs that only PostgreSQL can evaluate (`x-checks`). */
export function needsCheckEvaluation(tables: readonly TablePlan[]): boolean {
  return tables.some((t) => t.definition.checks.length > 0 && t.rowCount() > 0);
}

/**
 * {@link settleChecks} for a table found by its name on the connection's search_path: what
 * `generate` uses, which writes files but needs PostgreSQL (and the table) to evaluate `x-checks`.
 */
export async function settleTableChecks(client: pg.ClientBase | undefined, plan: TablePlan): Promise<number> {
  if (plan.definition.checks.length === 0 || plan.rowCount() === 0) return 0;
  if (!client) {
    throw new UsageError(`${plan.name} has CHECKs that only PostgreSQL can evaluate ("x-checks" in ${plan.definition.file}), and no database was given`, {
      hint: 'Pass --database-url (or set DATABASE_URL) to a database with the schema: its rows are drawn again where a CHECK breaks.',
    });
  }
  const catalog = await readTable(client, plan.name);
  if (!catalog) {
    throw new DefinitionError(`${plan.definition.file}: the table ${plan.name} does not exist in the database, which must evaluate its x-checks`, {
      hint: 'Use the database that has the schema (--database-url), or correct "x-table" / "schemas" in tenantseed.config.json.',
    });
  }
  return settleChecks(client, plan, catalog);
}
