import type { Knex } from 'knex';

/**
 * Citus refuses a foreign key that sets its columns null on delete when it includes the
 * distribution column, even `ON DELETE SET NULL (column)` (checked on Citus 13.2: "SET NULL or
 * SET DEFAULT is not supported in ON DELETE operation when distribution key is included in the
 * foreign key constraint"). The optional references to a user (who created an API key, who
 * wrote a content block, who acted in an audit log) become plain references: a user who is
 * referenced is deactivated (users.is_active), not deleted; deleting a tenant still removes
 * everything of it (the cascades from tenants run first).
 *
 * Self-contained: imports nothing from src/.
 */
const REFERENCES = [
  { table: 'tenant_api_keys', constraint: 'tenant_api_keys_created_by_fkey', column: 'created_by_user_id' },
  { table: 'content_blocks', constraint: 'content_blocks_author_fkey', column: 'author_user_id' },
  { table: 'audit_logs', constraint: 'audit_logs_actor_fkey', column: 'actor_user_id' },
];

export async function up(knex: Knex): Promise<void> {
  for (const { table, constraint, column } of REFERENCES) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint}`);
    await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint} FOREIGN KEY (tenant_id, ${column}) REFERENCES users (tenant_id, id)`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const { table, constraint, column } of REFERENCES) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${constraint}`);
    await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${constraint} FOREIGN KEY (tenant_id, ${column}) REFERENCES users (tenant_id, id) ON DELETE SET NULL (${column})`);
  }
}
