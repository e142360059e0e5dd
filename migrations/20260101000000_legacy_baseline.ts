import type { Knex } from 'knex';

/**
 * The platform as it was before tenancy: single-tenant tables with no tenant column.
 * The tenancy migration that follows gives every row here to the default tenant.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE projects (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      name text NOT NULL,
      description text,
      archived boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT projects_pkey PRIMARY KEY (id)
    )`);
  await knex.raw(`
    CREATE TABLE documents (
      id uuid NOT NULL DEFAULT gen_random_uuid(),
      project_id uuid NOT NULL,
      title text NOT NULL,
      body text NOT NULL DEFAULT '',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT documents_pkey PRIMARY KEY (id),
      CONSTRAINT documents_project_id_fkey FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
    )`);
  await knex.raw('CREATE INDEX documents_project_id_idx ON documents (project_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE documents');
  await knex.raw('DROP TABLE projects');
}
