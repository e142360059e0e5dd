import type { Knex } from 'knex';
import { UsageError } from '../errors';

/** The role the application runs as: subject to row-level security, owns nothing. */
export const APP_ROLE = 'tenantseed_app';
/** The setting the RLS policies read the current tenant from. */
export const TENANT_SETTING = 'app.current_tenant_id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `fn` in a transaction as the application role with the tenant set
 * transaction-locally, so that row-level security shows and accepts only that tenant's rows.
 * Both the role and the setting end with the transaction: nothing leaks into the next use of
 * a pooled connection, even when `fn` throws.
 *
 * (`SET LOCAL` takes no bind parameters, hence `set_config(..., true)`.)
 *
 * @example
 * const docs = await withTenant(knex, acmeId, (trx) => trx('documents').select('*'));
 */
export async function withTenant<T>(knex: Knex, tenantId: string, fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
  if (!UUID.test(tenantId)) {
    throw new UsageError(`withTenant: "${tenantId}" is not a tenant id (a UUID)`, {
      hint: 'Pass the tenant\'s id, for example fixtures.tenant("acme").id, not its slug.',
    });
  }
  return knex.transaction(async (trx) => {
    await trx.raw(`SET LOCAL ROLE ${APP_ROLE}`);
    await trx.raw('SELECT set_config(?, ?, true)', [TENANT_SETTING, tenantId]);
    return fn(trx);
  });
}
