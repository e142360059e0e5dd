import type { Knex } from 'knex';
import { TenantseedError } from '../errors';

/** The role tenantseed loads as: superuser, BYPASSRLS, or a member of tenantseed_admin. */
export interface LoaderRole {
  readonly user: string;
  readonly superuser: boolean;
  /** Set when the connecting role must `SET LOCAL ROLE` to pass row-level security. */
  readonly setRole?: string;
  /** Whether it owns every given table (so it may drop and rebuild their keys). */
  readonly ownsTables: boolean;
}

export const ADMIN_ROLE = 'tenantseed_admin';

/**
 * Checks, before anything is changed, that the connecting role can write past row-level
 * security; fails with a message that says which role to use otherwise.
 *
 * @example
 * const role = await checkLoaderRole(trx, ['users']);
 * if (role.setRole) await trx.raw(`SET LOCAL ROLE ${role.setRole}`);
 */
export async function checkLoaderRole(knex: Knex | Knex.Transaction, tables: readonly string[]): Promise<LoaderRole> {
  const result = await knex.raw(
    `SELECT current_user AS name, r.rolsuper, r.rolbypassrls,
            EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?) AND pg_has_role(current_user, (SELECT oid FROM pg_roles WHERE rolname = ?), 'MEMBER') AS admin,
            coalesce((SELECT bool_and(pg_has_role(current_user, c.relowner, 'MEMBER')) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relname IN (SELECT jsonb_array_elements_text(?::jsonb))), true) AS owns
       FROM pg_roles r WHERE r.rolname = current_user`,
    [ADMIN_ROLE, ADMIN_ROLE, JSON.stringify(tables)],
  );
  const row = result.rows[0];
  if (row.rolsuper || row.rolbypassrls) return { user: row.name, superuser: row.rolsuper, ownsTables: row.rolsuper || row.owns };
  if (row.admin) return { user: row.name, superuser: false, setRole: ADMIN_ROLE, ownsTables: false };
  throw new TenantseedError(`The role "${row.name}" cannot write past row-level security, so it cannot load tenant data`, {
    hint: `Connect as a superuser or a role with BYPASSRLS, or grant it the admin role: GRANT ${ADMIN_ROLE} TO "${row.name}". Nothing was changed.`,
  });
}
