import type { ValidateFunction } from 'ajv';
import { compiledValidator } from '../definitions';
import { DefinitionError } from '../errors';
import { combine, hashString } from './keyed-random';
import type { Row, TablePlan } from './table-plan';

/** Rows checked by default: one in this many (a keyed choice), and the first of each table. */
export const GUARD_SAMPLE_EVERY = 32;

/** Options of {@link RowGuard}. */
export interface RowGuardOptions {
  /** Check every row (`--strict`), not a keyed sample. */
  strict?: boolean;
}

/**
 * A cheap run-time proof that generated rows are valid against their own definition: ajv
 * checks a keyed sample of each table's rows (every row with `strict`), and the first invalid
 * one stops the run with its key and the keyword it breaks. Which rows are sampled depends on
 * the table and the row's position only, so a run is as deterministic as its rows.
 *
 * @example
 * const guard = new RowGuard(table, { strict: true });
 * for (const [i, row] of rows.entries()) guard.check(row, i);
 */
export class RowGuard {
  private readonly validate: ValidateFunction;
  private readonly salt: number;
  private readonly skipped: Set<string>;

  constructor(private readonly table: TablePlan, private readonly options: RowGuardOptions = {}) {
    const definition = table.definition;
    let schema = { ...definition.schema, $id: undefined } as Record<string, unknown>;
    // Legacy rows predate the tenant column; columns left null on purpose (a broken reference
    // cycle, a legacy row's reference to a newer table) are not the generator's to check.
    this.skipped = new Set([...table.nullColumns(), ...(table.legacy && definition.tenantColumn ? [definition.tenantColumn] : [])]);
    if (this.skipped.size > 0) {
      const properties = Object.fromEntries(Object.entries(schema.properties as Record<string, unknown>).filter(([name]) => !this.skipped.has(name)));
      schema = { ...schema, properties, required: ((schema.required as string[] | undefined) ?? []).filter((c) => !this.skipped.has(c)) };
    }
    this.validate = compiledValidator(schema);
    this.salt = hashString(`guard:${table.legacy ? 'legacy:' : ''}${table.name}`);
  }

  /** Whether row `index` of the table is checked. */
  sampled(index: number): boolean {
    return this.options.strict === true || index === 0 || combine(this.salt, index) % GUARD_SAMPLE_EVERY === 0;
  }

  /** Checks row `index` if it is sampled; throws a DefinitionError naming its key and the broken keyword. */
  check(row: Row, index: number): void {
    if (!this.sampled(index)) return;
    const { columns, definition } = this.table;
    const object: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) if (!this.skipped.has(columns[i])) object[columns[i]] = row[i];
    if (this.validate(object)) return;
    const error = this.validate.errors![0];
    const key = definition.primaryKey.map((c) => `${c}=${String(row[columns.indexOf(c)])}`).join(', ');
    const at = error.instancePath || '/';
    throw new DefinitionError(
      `${definition.file}: the generated row (${key}) of ${this.table.legacy ? 'legacy ' : ''}${this.table.name} breaks "${error.keyword}" at ${at}: ${error.message ?? ''}`,
      { file: definition.file, pointer: `/properties${error.instancePath}`, hint: `Change the generator (x-generate) of ${at.split('/')[1] ?? 'that column'} or the "${error.keyword}" in the definition so that they agree.` },
    );
  }
}

/** Rows of a table, checked by a guard as they pass. */
export function* guardRows(rows: Iterable<Row>, guard: RowGuard): Generator<Row> {
  let index = 0;
  for (const row of rows) {
    guard.check(row, index++);
    yield row;
  }
}
