/**
 * Knex configuration, so that Knex's own CLI works on the same database and migrations as
 * `tenantseed` (`npx knex migrate:latest`, `npx knex migrate:status`, ...). It re-exports
 * tenantseed's `knexConfig`, which reads the project config as every command does (here: none,
 * so the shipped schema). A project's own knexfile is the same one line; see docs/your-schema.md.
 */
export { knexConfig as default } from './src';
