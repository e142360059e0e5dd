import type { Knex } from 'knex';
import { quoteIdentifier, quoteLiteral, requoteName } from '../db';
import type { DefinitionSet } from '../definitions';

/**
 * Rows the migrations made, kept across the emptying of their table: set aside in a temporary
 * table (`aside`, dropped at commit), or (`recorded`) the values introspect recorded, every column.
 */
export interface KeptRows {
  /** The table, schema-qualified and quoted. */
  readonly table: string;
  /** The temporary table holding the rows set aside. */
  readonly aside?: string;
  /** The recorded rows (every column's value as JSON), put back as they were recorded. */
  readonly recorded?: readonly Record<string, unknown>[];
  readonly rows: number;
}

/** The table's columns that take values (not generated ones), in order, with their types. */
async function storedColumns(trx: Knex.Transaction, table: string): Promise<Array<{ name: string; type: string }>> {
  return (await trx.raw(`SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
    WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`, [requoteName(table)])).rows;
}

/**
 * Keeps, in the caller's transaction, the rows that the definitions' `x-existing-rows` hold (the
 * rows a team's own migrations made: a template at a fixed UUID, countries, standard
 * priorities), so that a reset of a schema tenantseed does not migrate can empty the tables and
 * put exactly those rows back. Rows recorded with every column (what introspect writes) are put
 * back from the record: a row a developer deleted or changed since comes back as the migrations
 * made it. Rows recorded by their key alone are copied aside as the database holds them (the
 * database's own values, no round trip through JSON or JavaScript numbers).
 *
 * @example
 * const kept = await setAsideRowsMadeByMigrations(trx, plan.definitions, qualifiedByName);
 * await trx.raw('TRUNCATE ...');
 * await restoreRowsMadeByMigrations(trx, kept);
 */
export async function setAsideRowsMadeByMigrations(
  trx: Knex.Transaction, definitions: DefinitionSet, qualified: ReadonlyMap<string, string>,
): Promise<KeptRows[]> {
  const kept: KeptRows[] = [];
  for (const definition of definitions.tables) {
    const table = qualified.get(definition.table);
    if (definition.existingRows.length === 0 || !table) continue;
    const columns = await storedColumns(trx, table);
    if (definition.existingRows.every((row) => columns.every((c) => c.name in row))) {
      kept.push({ table, recorded: definition.existingRows, rows: definition.existingRows.length });
      continue;
    }
    const key = definition.primaryKey.length > 0 ? definition.primaryKey : [definition.idColumn];
    // Keys compared as text: a key recorded as 5 or "5", a UUID in either case, match alike.
    const tuple = `jsonb_build_array(${key.map((c) => `lower(${quoteIdentifier(c)}::text)`).join(', ')})`;
    const wanted = JSON.stringify(definition.existingRows.map((r) => key.map((c) => String(r[c]).toLowerCase())));
    const aside = quoteIdentifier(`tenantseed_kept_${kept.length}`);
    await trx.raw(`CREATE TEMPORARY TABLE ${aside} ON COMMIT DROP AS
      SELECT * FROM ${requoteName(table)} WHERE ${tuple} IN (SELECT value FROM jsonb_array_elements(?::jsonb))`, [wanted]);
    const rows = Number((await trx.raw(`SELECT count(*) AS n FROM ${aside}`)).rows[0].n);
    kept.push({ table, aside, rows });
  }
  return kept;
}

/**
 * Puts back the rows {@link setAsideRowsMadeByMigrations} kept, parents first (the definitions'
 * foreign-key order), with the values they had: identity columns keep their values (OVERRIDING
 * SYSTEM VALUE), generated columns are computed again from the same inputs. Recorded values are
 * cast from their text to the column's own type.
 */
export async function restoreRowsMadeByMigrations(trx: Knex.Transaction, kept: readonly KeptRows[]): Promise<number> {
  let restored = 0;
  for (const { table, aside, recorded, rows } of kept) {
    if (rows === 0) continue;
    const columns = await storedColumns(trx, table);
    const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
    if (recorded) {
      // Each value's text (or a JSON number's or boolean's) cast to the column's type: the value PostgreSQL printed, back.
      const values = columns.map((c) => `(tenantseed_row->>${quoteLiteral(c.name)})::${c.type}`).join(', ');
      await trx.raw(`INSERT INTO ${requoteName(table)} (${list}) OVERRIDING SYSTEM VALUE
        SELECT ${values} FROM jsonb_array_elements(?::jsonb) AS tenantseed_rows(tenantseed_row)`, [JSON.stringify(recorded)]);
    } else {
      await trx.raw(`INSERT INTO ${requoteName(table)} (${list}) OVERRIDING SYSTEM VALUE SELECT ${list} FROM ${aside}`);
    }
    restored += rows;
  }
  return restored;
}
