import path from 'node:path';
/**
 * Makes the SQL of a wide multi-tenant schema, the size of the large Knex application of issue
 * 28 (426 tables): a tenant root, tenant tables keyed (tenant, id) with row-level security
 * (a share of them with no foreign key on their tenant column), chains of same-tenant composite
 * references between them, tables without tenants that tenant tables reference, and tables tied
 * to a tenant only through a reference (chains), plus an application role granted them all.
 *
 * Run it by hand to get the SQL (420 tables by default):
 *   npx jiti test/scale/make-wide-schema.ts 420 > /tmp/wide.sql
 */

/** Options of {@link makeWideSchema}. */
export interface WideSchemaOptions {
  /** Tables in all, the root included. */
  tables: number;
  /** The role the application connects as (created NOLOGIN when missing). */
  appRole: string;
  /** Share of the tenant tables whose tenant column has no foreign key to the root. Default 1/3. */
  withoutForeignKey?: number;
  /** Every n-th tenant table is a table without tenants (a reference table). Default 20. */
  globalEvery?: number;
  /** Every n-th tenant table gets a table tied to it only through a reference. Default 0 (none). */
  chainEvery?: number;
  /** A tenant table references the one before it, in runs of this length. Default 5. */
  chainLength?: number;
}

/** The SQL of the schema, and the names of its tables by kind. */
export interface WideSchema {
  readonly sql: string;
  readonly root: string;
  readonly tenantTables: readonly string[];
  readonly globalTables: readonly string[];
  readonly chainTables: readonly string[];
}

const pad = (n: number) => String(n).padStart(4, '0');

/**
 * Writes the schema's SQL (one script, statements in dependency order).
 *
 * @example
 * const wide = makeWideSchema({ tables: 420, appRole: 'wide_app' });
 * await knex.raw(wide.sql);
 */
export function makeWideSchema(options: WideSchemaOptions): WideSchema {
  const withoutFk = options.withoutForeignKey ?? 1 / 3;
  const globalEvery = options.globalEvery ?? 20;
  const chainEvery = options.chainEvery ?? 0;
  const chainLength = options.chainLength ?? 5;
  const role = options.appRole;
  const sql: string[] = [
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF; END $$;`,
    `CREATE TABLE accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), slug text NOT NULL UNIQUE, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());`,
    // The application role is granted every table: the root too shows a tenant its own row only.
    `ALTER TABLE accounts ENABLE ROW LEVEL SECURITY; ALTER TABLE accounts FORCE ROW LEVEL SECURITY;`,
    `CREATE POLICY accounts_tenant ON accounts USING (id = nullif(current_setting('app.current_tenant', true), '')::uuid);`,
  ];
  const tenantTables: string[] = [];
  const globalTables: string[] = [];
  const chainTables: string[] = [];
  let lastGlobal: string | undefined;
  let made = 1;
  for (let i = 1; made < options.tables; i++) {
    if (globalEvery > 0 && i % globalEvery === 1) {
      const name = `ref_${pad(i)}`;
      sql.push(`CREATE TABLE ${name} (id uuid PRIMARY KEY, code text NOT NULL UNIQUE, label text NOT NULL);`);
      globalTables.push(name);
      lastGlobal = name;
      made++;
      if (made >= options.tables) break;
    }
    const name = `t_${pad(i)}`;
    const fk = (tenantTables.length % Math.round(1 / Math.max(withoutFk, 1e-9))) !== 0 || withoutFk === 0;
    const parent = tenantTables.length % chainLength !== 0 ? tenantTables[tenantTables.length - 1] : undefined;
    const columns = [
      `tenant uuid NOT NULL${fk ? ' REFERENCES accounts (id) ON DELETE CASCADE' : ''}`,
      'id uuid NOT NULL',
      'title text NOT NULL',
      `status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'archived'))`,
      'amount numeric(10, 2)',
      'created_at timestamptz NOT NULL DEFAULT now()',
      ...(parent ? ['parent_id uuid'] : []),
      ...(lastGlobal && i % 3 === 0 ? [`ref_id uuid REFERENCES ${lastGlobal} (id)`] : []),
      'PRIMARY KEY (tenant, id)',
      ...(parent ? [`FOREIGN KEY (tenant, parent_id) REFERENCES ${parent} (tenant, id)`] : []),
    ];
    sql.push(`CREATE TABLE ${name} (\n  ${columns.join(',\n  ')}\n);`);
    sql.push(`ALTER TABLE ${name} ENABLE ROW LEVEL SECURITY; ALTER TABLE ${name} FORCE ROW LEVEL SECURITY;`);
    sql.push(`CREATE POLICY ${name}_tenant ON ${name} USING (tenant = nullif(current_setting('app.current_tenant', true), '')::uuid);`);
    tenantTables.push(name);
    made++;
    if (chainEvery > 0 && i % chainEvery === 0 && made < options.tables) {
      const chain = `c_${pad(i)}`;
      sql.push(`ALTER TABLE ${name} ADD CONSTRAINT ${name}_id_key UNIQUE (id);`);
      sql.push(`CREATE TABLE ${chain} (id uuid PRIMARY KEY, ${name}_id uuid NOT NULL REFERENCES ${name} (id) ON DELETE CASCADE, note text);`);
      chainTables.push(chain);
      made++;
    }
  }
  sql.push(`GRANT USAGE ON SCHEMA public TO ${role};`);
  sql.push(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role};`);
  return { sql: sql.join('\n') + '\n', root: 'accounts', tenantTables, globalTables, chainTables };
}

// Run as a script (`npx jiti test/scale/make-wide-schema.ts 420 > wide.sql`): jiti sets no require.main.
if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  const tables = Number(process.argv[2] ?? 420);
  process.stdout.write(makeWideSchema({ tables, appRole: process.argv[3] ?? 'wide_app' }).sql);
}
