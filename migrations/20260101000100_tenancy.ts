import type { Knex } from 'knex';

/**
 * Tenancy: tenants, global templates, tenant-scoped tables with row-level security, the
 * application and admin roles, and the absorption of the legacy rows into the default tenant.
 *
 * Key rules on every tenant table: tenant_id NOT NULL and first in the primary key and every
 * unique constraint, foreign keys that carry tenant_id (a row cannot point at another
 * tenant's row), an index led by tenant_id, RLS enabled and forced.
 *
 * Self-contained on purpose: a migration that has run must never change meaning, so it
 * imports nothing from src/.
 */

export const DEFAULT_TENANT_ID = '00000000-0000-0000-0000-000000000001';

const TENANT_CONTEXT = "nullif(current_setting('app.current_tenant_id', true), '')::uuid";

/** Tenant tables created here, in dependency order. */
const NEW_TENANT_TABLES = ['users', 'tenant_api_keys', 'tenant_configs', 'content_blocks', 'audit_logs'];
/** Legacy tables that receive a tenant, in dependency order. */
const LEGACY_TABLES = ['projects', 'documents'];
const TENANT_TABLES = [...NEW_TENANT_TABLES, ...LEGACY_TABLES];

async function createRole(knex: Knex, name: string, attributes: string): Promise<void> {
  // Roles are cluster-wide: another database may be migrating at this very moment, so a
  // concurrent CREATE ROLE can fail with duplicate_object or, in the catalog, unique_violation.
  await knex.raw(`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN
        CREATE ROLE ${name} ${attributes};
      END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END
    $$`);
}

async function createTables(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE tenants (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      slug text NOT NULL,
      name text NOT NULL,
      plan text NOT NULL DEFAULT 'free',
      status text NOT NULL DEFAULT 'active',
      is_default boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT tenants_pkey PRIMARY KEY (id),
      CONSTRAINT tenants_slug_key UNIQUE (slug),
      CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      CONSTRAINT tenants_plan_check CHECK (plan IN ('free', 'starter', 'pro', 'enterprise')),
      CONSTRAINT tenants_status_check CHECK (status IN ('active', 'trial', 'suspended', 'cancelled'))
    )`);
  // At most one default tenant: the one legacy rows belong to.
  await knex.raw('CREATE UNIQUE INDEX tenants_one_default_idx ON tenants ((true)) WHERE is_default');

  await knex.raw(`
    CREATE TABLE templates (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      slug text NOT NULL,
      name text NOT NULL,
      industry text NOT NULL,
      description text NOT NULL DEFAULT '',
      compliance_checklist jsonb NOT NULL DEFAULT '[]',
      default_config jsonb NOT NULL DEFAULT '{}',
      customization_options jsonb NOT NULL DEFAULT '{}',
      is_builtin boolean NOT NULL DEFAULT false,
      version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT templates_pkey PRIMARY KEY (id),
      CONSTRAINT templates_slug_key UNIQUE (slug)
    )`);

  await knex.raw(`
    CREATE TABLE users (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      email text NOT NULL,
      name text NOT NULL,
      role text NOT NULL DEFAULT 'member',
      password_hash text NOT NULL,
      is_active boolean NOT NULL DEFAULT true,
      last_login_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT users_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT users_tenant_id_email_key UNIQUE (tenant_id, email),
      CONSTRAINT users_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
      CONSTRAINT users_role_check CHECK (role IN ('admin', 'member', 'viewer')),
      CONSTRAINT users_email_lowercase CHECK (email = lower(email))
    )`);

  await knex.raw(`
    CREATE TABLE tenant_api_keys (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      name text NOT NULL,
      prefix text NOT NULL,
      key_hash text NOT NULL,
      scopes jsonb NOT NULL DEFAULT '[]',
      created_by_user_id uuid,
      expires_at timestamptz,
      last_used_at timestamptz,
      revoked_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT tenant_api_keys_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT tenant_api_keys_tenant_id_prefix_key UNIQUE (tenant_id, prefix),
      CONSTRAINT tenant_api_keys_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
      CONSTRAINT tenant_api_keys_created_by_fkey FOREIGN KEY (tenant_id, created_by_user_id)
        REFERENCES users (tenant_id, id) ON DELETE SET NULL (created_by_user_id),
      CONSTRAINT tenant_api_keys_key_hash_format CHECK (key_hash ~ '^[0-9a-f]{64}$')
    )`);
  await knex.raw('CREATE INDEX tenant_api_keys_created_by_idx ON tenant_api_keys (tenant_id, created_by_user_id)');

  await knex.raw(`
    CREATE TABLE tenant_configs (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      template_id uuid,
      settings jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT tenant_configs_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT tenant_configs_tenant_id_key UNIQUE (tenant_id),
      CONSTRAINT tenant_configs_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
      CONSTRAINT tenant_configs_template_id_fkey FOREIGN KEY (template_id) REFERENCES templates (id) ON DELETE SET NULL
    )`);

  await knex.raw(`
    CREATE TABLE content_blocks (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      type text NOT NULL,
      slug text NOT NULL,
      title text NOT NULL,
      body text NOT NULL DEFAULT '',
      tags jsonb NOT NULL DEFAULT '[]',
      version integer NOT NULL DEFAULT 1,
      status text NOT NULL DEFAULT 'draft',
      author_user_id uuid,
      metadata jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT content_blocks_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT content_blocks_tenant_id_slug_version_key UNIQUE (tenant_id, slug, version),
      CONSTRAINT content_blocks_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
      CONSTRAINT content_blocks_author_fkey FOREIGN KEY (tenant_id, author_user_id)
        REFERENCES users (tenant_id, id) ON DELETE SET NULL (author_user_id),
      CONSTRAINT content_blocks_type_check CHECK (type IN ('article', 'faq', 'snippet', 'policy', 'announcement')),
      CONSTRAINT content_blocks_status_check CHECK (status IN ('draft', 'published', 'archived')),
      CONSTRAINT content_blocks_version_check CHECK (version >= 1)
    )`);
  await knex.raw('CREATE INDEX content_blocks_author_idx ON content_blocks (tenant_id, author_user_id)');

  await knex.raw(`
    CREATE TABLE audit_logs (
      tenant_id uuid NOT NULL,
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      actor_user_id uuid,
      action text NOT NULL,
      entity_type text NOT NULL,
      entity_id uuid,
      details jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT audit_logs_pkey PRIMARY KEY (tenant_id, id),
      CONSTRAINT audit_logs_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE,
      CONSTRAINT audit_logs_actor_fkey FOREIGN KEY (tenant_id, actor_user_id)
        REFERENCES users (tenant_id, id) ON DELETE SET NULL (actor_user_id)
    )`);
  await knex.raw('CREATE INDEX audit_logs_tenant_id_created_at_idx ON audit_logs (tenant_id, created_at)');
  await knex.raw('CREATE INDEX audit_logs_actor_idx ON audit_logs (tenant_id, actor_user_id)');

  // Platform events belong to no tenant, so they live apart and carry no tenant column.
  await knex.raw(`
    CREATE TABLE platform_audit_logs (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      action text NOT NULL,
      details jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT platform_audit_logs_pkey PRIMARY KEY (id)
    )`);
}

const BUILTIN_TEMPLATES = [
  {
    id: '00000000-0000-0000-0001-000000000001',
    slug: 'fintech',
    name: 'Fintech',
    industry: 'financial-services',
    description: 'Payments and banking workloads under PCI-DSS.',
    compliance_checklist: [
      { id: 'pci-dss-1', requirement: 'Install and maintain network security controls', standard: 'PCI-DSS 4.0', required: true },
      { id: 'pci-dss-3', requirement: 'Protect stored account data (no PAN in logs or content)', standard: 'PCI-DSS 4.0', required: true },
      { id: 'pci-dss-4', requirement: 'Encrypt cardholder data over open, public networks', standard: 'PCI-DSS 4.0', required: true },
      { id: 'pci-dss-7', requirement: 'Restrict access to system components by business need to know', standard: 'PCI-DSS 4.0', required: true },
      { id: 'pci-dss-8', requirement: 'Identify users and authenticate access (MFA for admins)', standard: 'PCI-DSS 4.0', required: true },
      { id: 'pci-dss-10', requirement: 'Log and monitor all access to system components and cardholder data', standard: 'PCI-DSS 4.0', required: true },
    ],
    default_config: {
      models: { default: 'gpt-4o-mini', allowed: ['gpt-4o-mini', 'claude-3-5-haiku'] },
      compliance: { frameworks: ['PCI-DSS', 'SOC2'], data_retention_days: 2555, pii_redaction: true },
      rate_limits: { requests_per_minute: 600, burst: 100 },
      data_isolation: { level: 'strict', encryption_at_rest: true, region_lock: true },
      audit_logging: { enabled: true, retention_days: 2555, include_reads: true },
    },
    customization_options: { allowed_regions: ['eu-west-1', 'us-east-1'], mfa_required: true, custom_domains: true },
  },
  {
    id: '00000000-0000-0000-0001-000000000002',
    slug: 'healthcare',
    name: 'Healthcare',
    industry: 'healthcare',
    description: 'Clinical and patient data under HIPAA.',
    compliance_checklist: [
      { id: 'hipaa-164.308', requirement: 'Administrative safeguards: risk analysis and workforce training', standard: 'HIPAA', required: true },
      { id: 'hipaa-164.312', requirement: 'Technical safeguards: access control, audit controls, transmission security', standard: 'HIPAA', required: true },
      { id: 'hipaa-baa', requirement: 'Business associate agreement signed', standard: 'HIPAA', required: true },
    ],
    default_config: {
      models: { default: 'gpt-4o', allowed: ['gpt-4o'] },
      compliance: { frameworks: ['HIPAA'], data_retention_days: 2190, pii_redaction: true },
      rate_limits: { requests_per_minute: 300, burst: 50 },
      data_isolation: { level: 'strict', encryption_at_rest: true, region_lock: true },
      audit_logging: { enabled: true, retention_days: 2190, include_reads: true },
    },
    customization_options: { allowed_regions: ['us-east-1'], mfa_required: true, custom_domains: false },
  },
  {
    id: '00000000-0000-0000-0001-000000000003',
    slug: 'legal',
    name: 'Legal',
    industry: 'legal',
    description: 'Law firms: privileged documents and matter isolation.',
    compliance_checklist: [
      { id: 'legal-privilege', requirement: 'Privileged material is never shared across matters', standard: 'ABA Model Rule 1.6', required: true },
      { id: 'legal-retention', requirement: 'Records kept for the jurisdiction retention period', standard: 'Local bar rules', required: true },
    ],
    default_config: {
      models: { default: 'claude-3-5-sonnet', allowed: ['claude-3-5-sonnet', 'gpt-4o'] },
      compliance: { frameworks: ['SOC2'], data_retention_days: 3650, pii_redaction: false },
      rate_limits: { requests_per_minute: 300, burst: 50 },
      data_isolation: { level: 'strict', encryption_at_rest: true, region_lock: false },
      audit_logging: { enabled: true, retention_days: 3650, include_reads: false },
    },
    customization_options: { allowed_regions: ['us-east-1', 'eu-west-1'], mfa_required: true, custom_domains: true },
  },
  {
    id: '00000000-0000-0000-0001-000000000004',
    slug: 'generic',
    name: 'Generic',
    industry: 'general',
    description: 'Sensible defaults for any workload.',
    compliance_checklist: [
      { id: 'generic-backups', requirement: 'Daily backups restored and tested monthly', standard: 'internal', required: false },
    ],
    default_config: {
      models: { default: 'gpt-4o-mini', allowed: ['gpt-4o-mini'] },
      compliance: { frameworks: [], data_retention_days: 365, pii_redaction: false },
      rate_limits: { requests_per_minute: 120, burst: 20 },
      data_isolation: { level: 'standard', encryption_at_rest: true, region_lock: false },
      audit_logging: { enabled: true, retention_days: 90, include_reads: false },
    },
    customization_options: { allowed_regions: ['us-east-1'], mfa_required: false, custom_domains: false },
  },
];

async function insertBuiltinTemplates(knex: Knex): Promise<void> {
  for (const t of BUILTIN_TEMPLATES) {
    await knex.raw(
      `INSERT INTO templates (id, slug, name, industry, description, compliance_checklist, default_config, customization_options, is_builtin, created_at)
       VALUES (?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, true, '2026-01-01T00:00:00Z')`,
      [t.id, t.slug, t.name, t.industry, t.description, JSON.stringify(t.compliance_checklist), JSON.stringify(t.default_config), JSON.stringify(t.customization_options)],
    );
  }
}

/** Gives every legacy row to the default tenant, records how many, then tightens the keys. */
async function absorbLegacyRows(knex: Knex): Promise<void> {
  await knex.raw(
    `INSERT INTO tenants (id, slug, name, plan, status, is_default, created_at, updated_at)
     VALUES (?, 'default', 'Default tenant (legacy data)', 'enterprise', 'active', true, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`,
    [DEFAULT_TENANT_ID],
  );
  await knex.raw('CREATE SCHEMA IF NOT EXISTS tenantseed');
  await knex.raw(`
    CREATE TABLE tenantseed.legacy_absorption (
      table_name text NOT NULL,
      tenant_id uuid NOT NULL,
      rows_absorbed bigint NOT NULL,
      absorbed_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT legacy_absorption_pkey PRIMARY KEY (table_name)
    )`);
  // Drop the single-tenant keys first (the child's foreign key before the parent's key).
  await knex.raw('ALTER TABLE documents DROP CONSTRAINT documents_project_id_fkey');
  await knex.raw('DROP INDEX documents_project_id_idx');
  for (const table of [...LEGACY_TABLES].reverse()) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
  }
  for (const table of LEGACY_TABLES) {
    await knex.raw(`ALTER TABLE ${table} ADD COLUMN tenant_id uuid`);
    // One set-based statement per table: assign and count in the same snapshot.
    await knex.raw(
      `WITH absorbed AS (UPDATE ${table} SET tenant_id = ? WHERE tenant_id IS NULL RETURNING 1)
       INSERT INTO tenantseed.legacy_absorption (table_name, tenant_id, rows_absorbed)
       SELECT ?, ?, count(*) FROM absorbed`,
      [DEFAULT_TENANT_ID, table, DEFAULT_TENANT_ID],
    );
    await knex.raw(`ALTER TABLE ${table} ALTER COLUMN tenant_id SET NOT NULL`);
    await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (tenant_id, id)`);
    await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_tenant_id_fkey FOREIGN KEY (tenant_id) REFERENCES tenants (id) ON DELETE CASCADE`);
  }
  await knex.raw(`ALTER TABLE documents ADD CONSTRAINT documents_project_fkey
    FOREIGN KEY (tenant_id, project_id) REFERENCES projects (tenant_id, id) ON DELETE CASCADE`);
  await knex.raw('CREATE INDEX documents_tenant_id_project_id_idx ON documents (tenant_id, project_id)');
}

async function restoreLegacyTables(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX documents_tenant_id_project_id_idx');
  await knex.raw('ALTER TABLE documents DROP CONSTRAINT documents_project_fkey');
  for (const table of [...LEGACY_TABLES].reverse()) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_tenant_id_fkey`);
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey`);
  }
  for (const table of LEGACY_TABLES) {
    await knex.raw(`ALTER TABLE ${table} DROP COLUMN tenant_id`);
    // Rows of every tenant stay; ids are UUIDs, so the single-tenant key holds again (if two
    // tenants ever shared an id this fails, and the rollback leaves everything as it was).
    await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (id)`);
  }
  await knex.raw(`ALTER TABLE documents ADD CONSTRAINT documents_project_id_fkey
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE`);
  await knex.raw('CREATE INDEX documents_project_id_idx ON documents (project_id)');
  await knex.raw('DROP TABLE tenantseed.legacy_absorption');
}

async function isolateTenants(knex: Knex): Promise<void> {
  await createRole(knex, 'tenantseed_app', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE');
  await createRole(knex, 'tenantseed_admin', 'NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE');
  // The migrating user may switch to either role (withTenant uses SET LOCAL ROLE).
  await knex.raw('GRANT tenantseed_app, tenantseed_admin TO CURRENT_USER');
  await knex.raw('GRANT USAGE ON SCHEMA public TO tenantseed_app, tenantseed_admin');

  for (const table of TENANT_TABLES) {
    await knex.raw(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    await knex.raw(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    await knex.raw(`CREATE POLICY tenant_isolation ON ${table}
      USING (tenant_id = ${TENANT_CONTEXT}) WITH CHECK (tenant_id = ${TENANT_CONTEXT})`);
    await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO tenantseed_app`);
  }
  // A tenant may read its own tenant row, nothing else.
  await knex.raw('ALTER TABLE tenants ENABLE ROW LEVEL SECURITY');
  await knex.raw('ALTER TABLE tenants FORCE ROW LEVEL SECURITY');
  await knex.raw(`CREATE POLICY tenant_isolation ON tenants USING (id = ${TENANT_CONTEXT})`);
  await knex.raw('GRANT SELECT ON tenants, templates TO tenantseed_app');
  await knex.raw(`GRANT ALL ON tenants, templates, platform_audit_logs, ${TENANT_TABLES.join(', ')} TO tenantseed_admin`);
}

export async function up(knex: Knex): Promise<void> {
  await createTables(knex);
  await insertBuiltinTemplates(knex);
  await absorbLegacyRows(knex);
  await isolateTenants(knex);
}

export async function down(knex: Knex): Promise<void> {
  // Roles are cluster-wide and other databases may use them: revoke, never drop.
  for (const table of LEGACY_TABLES) {
    await knex.raw(`DROP POLICY tenant_isolation ON ${table}`);
    await knex.raw(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
    await knex.raw(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    await knex.raw(`REVOKE ALL ON ${table} FROM tenantseed_app, tenantseed_admin`);
  }
  await knex.raw('REVOKE USAGE ON SCHEMA public FROM tenantseed_app, tenantseed_admin');
  await restoreLegacyTables(knex);
  for (const table of [...NEW_TENANT_TABLES].reverse()) await knex.raw(`DROP TABLE ${table}`);
  await knex.raw('DROP TABLE platform_audit_logs');
  await knex.raw('DROP TABLE templates');
  await knex.raw('DROP TABLE tenants');
}
