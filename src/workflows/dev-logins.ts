import type { Plan } from '../generate';

/** A known login of a development dataset. */
export interface DevLogin {
  readonly table: string;
  readonly tenant?: string;
  readonly name: string;
  readonly password: string;
}

/**
 * The named rows whose password the profile gives in plain text (the field a password
 * generator hashes), for printing after a seed. Empty for protected environments: their
 * plaintext credentials are never printed.
 *
 * @example
 * devLogins(plan) // [{ table: 'users', tenant: 'acme', name: 'admin@acme.test', password: '...' }]
 */
export function devLogins(plan: Plan): DevLogin[] {
  if (plan.profile.protected) return [];
  const fields = new Map<string, string>();
  for (const table of plan.definitions.tables) {
    for (const column of table.columns) if (column.plaintextField) fields.set(table.table, column.plaintextField);
  }
  return plan.namedRows().flatMap((row) => {
    const field = fields.get(row.table);
    const password = field ? row.values[field] : undefined;
    return typeof password === 'string' ? [{ table: row.table, tenant: row.tenant, name: row.name, password }] : [];
  });
}
