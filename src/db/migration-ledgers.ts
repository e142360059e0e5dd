/**
 * The tables migration tools keep for themselves (their ledgers and locks): never data to seed,
 * and no tenant's data to isolate. Keyed by the lower-cased table name, with the tool's name.
 */
export const MIGRATION_TOOL_TABLES: Readonly<Record<string, string>> = {
  knex_migrations: 'Knex', knex_migrations_lock: 'Knex', _prisma_migrations: 'Prisma', alembic_version: 'Alembic',
  schema_migrations: 'Rails, golang-migrate or dbmate', ar_internal_metadata: 'Rails', flyway_schema_history: 'Flyway',
  __drizzle_migrations: 'Drizzle', __efmigrationshistory: 'Entity Framework', databasechangelog: 'Liquibase', databasechangeloglock: 'Liquibase',
  pgmigrations: 'node-pg-migrate', kysely_migration: 'Kysely', kysely_migration_lock: 'Kysely', goose_db_version: 'goose',
  django_migrations: 'Django', sequelizemeta: 'Sequelize', mikro_orm_migrations: 'MikroORM',
};

/** The migration tool whose ledger a table is, or undefined. */
export function migrationLedgerOf(table: string): string | undefined {
  return MIGRATION_TOOL_TABLES[table.toLowerCase()];
}
