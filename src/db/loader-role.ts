import type { Knex } from 'knex';
import { TenantseedError } from '../errors';
import { quoteIdentifier } from './sql';

/** The role tenantseed loads as: superuser, BYPASSRLS, or a member of the project's admin role. */
export interface LoaderRole {
  readonly user: string;
  readonly superuser: boolean;
  /** Set when the connecting role must `SET LOCAL ROLE` to pass row-level security. */
  readonly setRole?: string;
  /** Whether it owns every given table (so it may drop and rebuild their keys). */
  readonly ownsTables: boolean;
}

/**
 * Checks, before anything is changed, that the connecting role can write past row-level
 * security; fails with a message that says which role to use otherwise. `adminRole` is the
 * project's admin role (`tenancy.adminRole`). Tables are resolved through the search_path.
 *
 * @example
 * const role = await checkLoaderRole(trx, ['users'], project.tenancy.adminRole);
 * if (role.setRole) await trx.raw(`SET LOCAL ROLE ${role.setRole}`);
 */
export async function checkLoaderRole(knex: Knex | Knex.Transaction, tables: readonly string[], adminRole: string): Promise<LoaderRole> {
  const result = await knex.raw(
    `SELECT current_user AS name, r.rolsuper, r.rolbypassrls,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?) AND pg_has_role(current_user, (SELECT oid FROM pg_roles WHERE rolname = ?), 'MEMBER') AS admin,
            coalesce((SELECT bool_and(pg_has_role(current_user, c.relowner, 'MEMBER')) FROM pg_class c
                       WHERE c.oid IN (SELECT to_regclass(quote_ident(t)) FROM jsonb_array_elements_text(?::jsonb) t)), true) AS owns
       FROM pg_roles r WHERE r.rolname = current_user`,
    [adminRole, adminRole, JSON.stringify(tables)],
  );
  const row = result.rows[0];
  if (row.rolsuper || row.rolbypassrls) return { user: row.name, superuser: row.rolsuper, ownsTables: row.rolsuper || row.owns };
  if (row.admin) return { user: row.name, superuser: false, setRole: quoteIdentifier(adminRole), ownsTables: false };
  throw new TenantseedError(`The role "${row.name}" cannot write past row-level security, so it cannot load tenant data`, {
    hint: `Connect as a superuser or a role with BYPASSRLS, or grant it the admin role: GRANT ${/^[a-z_][a-z0-9_]*$/.test(adminRole) ? adminRole : quoteIdentifier(adminRole)} TO ${quoteIdentifier(row.name)}. Nothing was changed.`,
  });
}
