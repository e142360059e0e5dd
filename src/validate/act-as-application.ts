import type pg from 'pg';
import { readRoleLoginSettings } from '../db';
import { ident } from './types';

/**
 * Switches a transaction on a probe's own connection to the application role, as the
 * application is when it logs in: the role's login settings (`ALTER ROLE app SET ...`, `... IN
 * DATABASE ... SET ...`) that can decide what it sees are set for the transaction first (custom
 * settings such as a default `app.current_tenant_id` or a bypass flag, and `row_security`),
 * since the probes switch to the role inside a session and PostgreSQL applies those settings
 * only at login. Others are not: a timeout or a `search_path` decides no row's visibility (the
 * probes name the project's tables themselves), and could only keep a probe from running. Then `SET LOCAL ROLE`. Resolves to the names of the settings it set.
 *
 * @example
 * await client.query('BEGIN');
 * await actAsApplication(client, 'tenantseed_app');
 */
export async function actAsApplication(client: pg.ClientBase, appRole: string): Promise<string[]> {
  const applied: string[] = [];
  for (const { name, value } of await readRoleLoginSettings(client, appRole)) {
    if (!(name.includes('.') || name === 'row_security')) continue;
    await client.query('SELECT set_config($1, $2, true)', [name, value]);
    applied.push(name);
  }
  await client.query(`SET LOCAL ROLE ${ident(appRole)}`);
  return applied;
}
