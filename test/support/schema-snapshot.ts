import type { Knex } from 'knex';

/**
 * A textual picture of the product schema from the catalog: tables and columns, constraints,
 * indexes, RLS flags, policies and grants. Two equal snapshots mean the same schema (what
 * `pg_dump -s` would show, without needing a pg_dump as new as the server).
 */
export async function schemaSnapshot(knex: Knex): Promise<string[]> {
  const queries = [
    `SELECT format('column %s.%s %s %s default %s', c.table_schema, c.table_name, c.column_name, c.data_type || CASE WHEN c.is_nullable = 'NO' THEN ' not null' ELSE '' END, coalesce(c.column_default, '-'))
       FROM information_schema.columns c WHERE c.table_schema IN ('public', 'tenantseed')`,
    `SELECT format('constraint %s.%s %s', t.relname, con.conname, pg_get_constraintdef(con.oid))
       FROM pg_constraint con JOIN pg_class t ON t.oid = con.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname IN ('public', 'tenantseed')`,
    `SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname IN ('public', 'tenantseed')`,
    `SELECT format('rls %s enabled=%s forced=%s', c.relname, c.relrowsecurity, c.relforcerowsecurity)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'`,
    `SELECT format('policy %s.%s %s %s using=%s check=%s', tablename, policyname, cmd, roles::text, qual, with_check) FROM pg_policies`,
    `SELECT format('grant %s.%s %s %s', table_schema, table_name, grantee, privilege_type)
       FROM information_schema.role_table_grants WHERE table_schema IN ('public', 'tenantseed') AND grantee LIKE 'tenantseed%'`,
  ];
  const lines: string[] = [];
  for (const sql of queries) {
    const result = await knex.raw(sql);
    for (const row of result.rows) lines.push(row.format as string);
  }
  return lines.sort();
}
