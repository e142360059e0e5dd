import type { SnapshotTable } from '../db';
import type { Finding } from './infer-tenancy';

/**
 * Polymorphic references only names suggest: a `<x>_type` column beside a `<x>_id` column that
 * no foreign key covers (`module_type` + `module_session_id`, `commentable_type` +
 * `commentable_id`). The catalog cannot say which tables the id points at, so nothing is
 * drafted: each pair is reported as a guess to confirm, with the `x-ref-one-of` to write, and
 * the table's definition is left without a reference there.
 */
export function guessPolymorphicReferences(table: SnapshotTable, findings: Finding[]): void {
  const covered = new Set(table.constraints.filter((c) => c.kind === 'foreign').flatMap((c) => c.columns));
  for (const type of table.columns.filter((c) => /_type$/i.test(c.name))) {
    const stem = type.name.slice(0, -'_type'.length);
    const ids = table.columns.filter((c) => !covered.has(c.name) && c.name.toLowerCase().startsWith(stem.toLowerCase()) && /_id$/i.test(c.name));
    for (const id of ids) {
      const values = type.enumLabels ?? [];
      const targets = Object.fromEntries((values.length > 0 ? values : ['<value>']).map((v) => [v, '<table>']));
      findings.push({
        level: 'warning', table: table.name,
        message: `guess to confirm: ${table.name}.${id.name} may point at one of several tables chosen by ${type.name} (no foreign key says so); if it does, write "x-ref-one-of": ${JSON.stringify({ discriminator: type.name, targets })} on ${id.name}, and "x-tenant-via": "${id.name}" if the table has no tenant column`,
      });
    }
  }
}
