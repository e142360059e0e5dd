import type { TenancyNames } from './project-config';

/**
 * What `tenantseed.config.ts` (or `.mjs`, `.js`) exports: the keys of `tenantseed.config.json`
 * (schema/tenantseed.config.schema.json), folders relative to the config file.
 */
export interface TenantseedConfig {
  /** Folder of Knex migrations; leave it out when another tool migrates the schema. */
  migrations?: string;
  /** Folder of table definitions: one JSON-Schema file per table. */
  definitions: string;
  /** Folder of environment profiles: development.json, test.json, ... */
  environments: string;
  /** The schemas the migrations own, in search order. Default ["public"]. */
  schemas?: string[];
  /** The names the row-level-security policies and roles use. */
  tenancy?: Partial<TenancyNames>;
}

/**
 * Types a TypeScript or JavaScript config file: returns its argument as it is (the file is
 * checked against the same JSON Schema as tenantseed.config.json when it is read).
 *
 * @example
 * // tenantseed.config.ts
 * import { defineConfig } from 'tenantseed';
 * export default defineConfig({ migrations: 'db/migrations', definitions: 'seeds/definitions', environments: 'seeds/environments' });
 */
export function defineConfig(config: TenantseedConfig): TenantseedConfig {
  return config;
}
