import type { SnapshotTable } from '../db';
import type { Finding } from './infer-tenancy';
import { readCheck } from './read-check';

/** A polymorphic reference drafted from names: `x-ref-one-of` of the id column. */
export interface PolymorphicGuess {
  readonly discriminator: string;
  readonly targets: Readonly<Record<string, string>>;
}

/** The values a discriminator column may take: its enum's labels, or a CHECK's `IN (...)` list. */
function discriminatorValues(table: SnapshotTable, column: string): string[] {
  const owner = table.columns.find((c) => c.name === column);
  if (owner?.enumLabels?.length) return [...owner.enumLabels];
  for (const check of table.constraints.filter((c) => c.kind === 'check')) {
    const reading = readCheck(check.definition);
    if (reading.read && 'column' in reading && reading.column === column && reading.facts.enum) return reading.facts.enum.map(String);
  }
  return [];
}

/** `BlogPost` -> `blog_post`, `voice` -> `voice`. */
function snake(value: string): string {
  return value.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();
}

/**
 * The table a discriminator value names, given what the id column adds to the stem
 * (`module_session_id` beside `module_type`: `session`): `<value>_<middle>s`, `<value>_<middle>`,
 * `<value>s`, `<value>es`, `<value>` (Rails' `Post` -> `posts`), matched without case; undefined
 * unless exactly one table fits the first form that any table fits.
 */
function tableNamed(value: string, middle: string, tables: ReadonlyMap<string, SnapshotTable>): SnapshotTable | undefined {
  const v = snake(value);
  const forms = [...(middle ? [`${v}_${middle}s`, `${v}_${middle}`] : []), `${v}s`, `${v}es`, v];
  for (const form of forms) {
    const found = [...tables.values()].filter((t) => t.name.toLowerCase() === form);
    if (found.length === 1) return found[0];
    if (found.length > 1) return undefined;
  }
  return undefined;
}

/**
 * Polymorphic references only names suggest: a `<x>_type` column beside a `<x>_id` column that
 * no foreign key covers (`module_type` + `module_session_id`, `commentable_type` +
 * `commentable_id`). The catalog cannot say which tables the id points at. Where every value the
 * discriminator may take (its enum, or a CHECK's IN list) names exactly one table whose id has
 * the id column's type, and `canDraft` accepts the tables, the reference is drafted (returned,
 * by id column) and reported as a guess to confirm; otherwise nothing is drafted and the guess
 * says what to write.
 */
export function guessPolymorphicReferences(
  table: SnapshotTable,
  tables: ReadonlyMap<string, SnapshotTable>,
  idColumnOf: (table: string) => string | undefined,
  canDraft: (targets: readonly string[]) => boolean,
  findings: Finding[],
): Map<string, PolymorphicGuess> {
  const drafted = new Map<string, PolymorphicGuess>();
  const covered = new Set(table.constraints.filter((c) => c.kind === 'foreign').flatMap((c) => c.columns));
  for (const type of table.columns.filter((c) => /_type$/i.test(c.name))) {
    const stem = type.name.slice(0, -'_type'.length);
    const ids = table.columns.filter((c) => !covered.has(c.name) && c.name.toLowerCase().startsWith(stem.toLowerCase()) && /_id$/i.test(c.name));
    for (const id of ids) {
      const values = discriminatorValues(table, type.name);
      const middle = id.name.slice(stem.length, -'_id'.length).replace(/^_+/, '').toLowerCase();
      const resolved = values.map((v) => {
        const target = tableNamed(v, middle, tables);
        const targetId = target && idColumnOf(target.name);
        const fits = target && target.name !== table.name && targetId && target.columns.find((c) => c.name === targetId)?.type === id.type;
        return fits ? [v, target.name] as const : undefined;
      });
      if (values.length > 1 && resolved.every((r) => r !== undefined) && canDraft(resolved.map((r) => r![1]))) {
        const guess = { discriminator: type.name, targets: Object.fromEntries(resolved as Array<readonly [string, string]>) };
        drafted.set(id.name, guess);
        findings.push({
          level: 'warning', table: table.name,
          message: `guess to confirm, drafted: ${table.name}.${id.name} points at one of several tables chosen by ${type.name}, read from names (no foreign key says so): "x-ref-one-of": ${JSON.stringify(guess)}; remove it from definitions/${table.name}.json if the names mislead`,
        });
        continue;
      }
      const targets = Object.fromEntries((values.length > 0 ? values : ['<value>']).map((v, k) => [v, resolved[k]?.[1] ?? '<table>']));
      findings.push({
        level: 'warning', table: table.name,
        message: `guess to confirm: ${table.name}.${id.name} may point at one of several tables chosen by ${type.name} (no foreign key says so); if it does, write "x-ref-one-of": ${JSON.stringify({ discriminator: type.name, targets })} on ${id.name}, and "x-tenant-via": "${id.name}" if the table has no tenant column`,
      });
    }
  }
  return drafted;
}
