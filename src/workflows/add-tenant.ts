import type { Knex } from 'knex';
import { Logger, ProjectConfig, shippedProjectConfig, silentLogger } from '../config';
import { checkLoaderRole, quoteIdentifier, readEnvironmentStamp, readLatestManifest, SeedManifest, withAdvisoryLock, writeEnvironmentStamp, writeManifest, useSequentialShardAccess } from '../db';
import { compiledValidator, DefinitionSet, isTenantScoped, Profile, referenceableColumn } from '../definitions';
import { quoteInput, TenantseedError, UsageError } from '../errors';
import { buildPlan, Fingerprint, Plan } from '../generate';
import { loadTables } from '../load';
import { assertSafeToWrite } from './safety';
import { distributeIfCitus, refuseRoleChangeOnCitus } from './distribute-tables';
import { SEED_LOCK, transactionConnection } from './seed-database';
import { devLogins, DevLogin } from './dev-logins';

/** Options of {@link addTenant}. */
export interface AddTenantOptions {
  knex: Knex;
  definitions: DefinitionSet;
  profile: Profile;
  slug: string;
  /**
   * Replaces `{name}` in the profile's `newTenant`. Required when the profile uses `{name}`, and
   * refused when it does not (it would be ignored).
   */
  name?: string;
  /** The natural key (slug) of a row the new tenant's rows should reference as `{template}`. */
  template?: string;
  yes?: boolean;
  logger?: Logger;
  /** The project (tenancy names); the shipped reference project by default. */
  project?: ProjectConfig;
}

/** What {@link addTenant} made. */
export interface AddTenantResult {
  readonly tenantId: string | number;
  readonly rows: number;
  readonly counts: Record<string, number>;
  readonly logins: readonly DevLogin[];
  /** Explicit bypasses (`--yes` over another environment's stamp), to be shown to the user. */
  readonly notices: readonly string[];
}

/** The placeholders (`slug`, `name`, `template`) that the profile's `newTenant` uses anywhere. */
function newTenantPlaceholders(profile: Profile): Set<string> {
  const found = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') for (const m of value.matchAll(/\{(slug|name|template)\}/g)) found.add(m[1]);
    else if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(visit);
  };
  visit(profile.newTenant.values);
  visit(profile.newTenant.rows);
  return found;
}

/**
 * `--name` and `--template` act only through the profile's `newTenant`: one it does not use would
 * be silently ignored, so it is refused (a `UsageError`); `{name}` without `--name` would become an
 * empty string, so it is refused too. {@link addTenant} checks this first; the CLI calls it before
 * it connects.
 *
 * @example
 * assertNewTenantFlags(profile, 'Umbrella Corp', 'fintech');
 */
export function assertNewTenantFlags(profile: Profile, name: string | undefined, template: string | undefined): void {
  const used = newTenantPlaceholders(profile);
  const where = `the newTenant of ${profile.file}`;
  if (name !== undefined && !used.has('name')) {
    throw new UsageError(`--name "${name}" would be ignored: ${where} uses no {name}`, {
      hint: 'Leave out --name, or add "{name}" where the name belongs, e.g. "newTenant": { "values": { "name": "{name}" } } (see docs/definitions.md).',
    });
  }
  if (name === undefined && used.has('name')) {
    throw new UsageError(`--name is required: ${where} uses {name}`, { hint: 'Give the new tenant\'s name, e.g. --name "Umbrella Corp".' });
  }
  if (template !== undefined && !used.has('template')) {
    throw new UsageError(`--template "${template}" would be ignored: ${where} uses no {template}`, {
      hint: 'Leave out --template, or set "{template}" in a newTenant row\'s column that references a table with x-natural-key (see docs/definitions.md).',
    });
  }
}

function substitute(value: unknown, vars: Record<string, string | undefined>): unknown {
  if (typeof value !== 'string') return value;
  return value.replace(/\{(slug|name|template)\}/g, (_m, key: string) => vars[key] ?? '');
}

/** Resolves `{template}` columns to the id of the referenced row named `template`, or drops them. */
async function resolveTemplateRows(
  trx: Knex.Transaction,
  definitions: DefinitionSet,
  rows: Record<string, Record<string, unknown>[]>,
  template: string | undefined,
  vars: Record<string, string | undefined>,
): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [table, list] of Object.entries(rows)) {
    const definition = definitions.byName.get(table);
    out[table] = [];
    for (const row of list) {
      const resolved: Record<string, unknown> = {};
      for (const [column, value] of Object.entries(row)) {
        if (value !== '{template}') {
          resolved[column] = substitute(value, vars);
          continue;
        }
        if (template === undefined) continue;
        const ref = definition?.columns.find((c) => c.name === column)?.ref;
        const parent = ref && definitions.byName.get(ref.table);
        if (!parent?.naturalKey) {
          throw new TenantseedError(`The profile's newTenant row of ${table} uses {template} in ${column}, which references no table named by a natural key`, { hint: 'Use {template} only in a column with x-ref to a table that has x-natural-key.' });
        }
        const found = (await trx.raw(`SELECT ${quoteIdentifier(referenceableColumn(parent))}::text AS id FROM ${quoteIdentifier(parent.table)} WHERE ${quoteIdentifier(parent.naturalKey)} = ?`, [template])).rows[0];
        if (!found) {
          const known = (await trx.raw(`SELECT ${quoteIdentifier(parent.naturalKey)} AS name FROM ${quoteIdentifier(parent.table)} ORDER BY 1`)).rows.map((r: { name: string }) => r.name);
          throw new UsageError(`--template ${quoteInput(template)}: there is no ${parent.table} row with that ${parent.naturalKey}`, { hint: `Use one of: ${known.join(', ')}.` });
        }
        resolved[column] = found.id;
      }
      out[table].push(resolved);
    }
  }
  return out;
}

/**
 * `tenantseed tenant add`: scaffolds one tenant into a seeded database, as the profile's
 * `newTenant` describes (its row, an admin, a config from `--template`), with the profile's
 * per-tenant counts of every tenant table; deterministic from the slug; in one transaction.
 * Records a manifest that includes the new tenant, so `validate`'s row counts still hold.
 *
 * @example
 * await addTenant({ knex, definitions, profile, slug: 'umbrella', name: 'Umbrella Corp', template: 'fintech' });
 */
export async function addTenant(options: AddTenantOptions): Promise<AddTenantResult> {
  const { knex, definitions, profile } = options;
  const root = definitions.tenantRoot;
  if (!root?.naturalKey) throw new TenantseedError('The definitions have no tenant table with a natural key to name the new tenant by', { hint: 'Mark the tenants definition "x-tenant-root": true with "x-natural-key".' });
  const naturalKey = root.naturalKey;
  const check = compiledValidator(root.columns.find((c) => c.name === naturalKey)!.schema);
  if (!check(options.slug)) {
    throw new UsageError(`--slug ${quoteInput(options.slug)} is not a valid ${root.table}.${naturalKey}: ${check.errors?.[0]?.message ?? 'invalid'}`, {
      hint: `Use a value that ${root.file} allows for ${naturalKey}.`,
    });
  }
  assertNewTenantFlags(profile, options.name, options.template);
  const logger = options.logger ?? silentLogger;
  return withAdvisoryLock(knex, SEED_LOCK, { waitMs: 30_000, onWait: (holder) => logger.info(`Waiting for another seed to finish: ${holder}`) }, () =>
    knex.transaction(async (trx) => {
      const citus = await useSequentialShardAccess(trx);
      const role = await checkLoaderRole(trx, definitions.tables.map((t) => t.table), (options.project ?? shippedProjectConfig()).tenancy.adminRole);
      refuseRoleChangeOnCitus(citus, role);
      const previous = await readLatestManifest(trx);
      if (!previous) throw new TenantseedError('The database holds no seeded dataset', { hint: `Seed it first: tenantseed seed --env ${profile.name} (or reset).` });
      const databaseName = (await trx.raw('SELECT current_database() AS name')).rows[0].name as string;
      const notices = await assertSafeToWrite({ command: 'tenant add', environment: profile.name, stamp: await readEnvironmentStamp(trx), yes: options.yes ?? false, databaseName });
      const exists = (await trx.raw(`SELECT 1 FROM ${quoteIdentifier(root.table)} WHERE ${quoteIdentifier(naturalKey)} = ?`, [options.slug])).rows.length > 0;
      if (exists) throw new TenantseedError(`The tenant ${quoteInput(options.slug)} already exists`, { hint: 'Choose another --slug.' });

      // A coordinator whose tables are not distributed yet (migrated before Citus) is, first.
      await distributeIfCitus(trx, { definitions, project: options.project ?? shippedProjectConfig() });
      const vars = { slug: options.slug, name: options.name, template: options.template };
      const rows = await resolveTemplateRows(trx, definitions, profile.newTenant.rows, options.template, vars);
      const values: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(profile.newTenant.values)) values[k] = substitute(v, vars);
      const single: Profile = {
        ...profile,
        namedTenants: [{ values: { ...values, [naturalKey]: options.slug }, scale: 1, rows }],
        generatedTenants: 0,
        // The rows without a tenant were seeded with the dataset: the new tenant adds none.
        withoutTenant: {},
      };
      const plan: Plan = buildPlan({ definitions, profile: single, firstTenantIndex: previous.tenants });
      // Only the tenant and its rows: tables without tenants were seeded already.
      const tables = plan.tables.filter((t) => t.definition.tenantRoot || isTenantScoped(t.definition));
      if (role.setRole) await trx.raw(`SET LOCAL ROLE ${role.setRole}`);
      const loaded = await loadTables({ client: await transactionConnection(trx), tables, fingerprint: new Fingerprint(plan.generatorVersion), deferConstraints: false });
      if (role.setRole) await trx.raw('RESET ROLE');
      const tenantId = plan.tenants[0].id;
      const counts: Record<string, Record<string, number>> = JSON.parse(JSON.stringify(previous.counts));
      const added: Record<string, number> = {};
      for (const [table, byTenant] of Object.entries(loaded.counts)) {
        const n = Object.values(byTenant).reduce((a, b) => a + b, 0);
        added[table] = n;
        counts[table] = counts[table] ?? {};
        if ('*' in byTenant) counts[table]['*'] = (counts[table]['*'] ?? 0) + n;
        else Object.assign(counts[table], byTenant);
      }
      const manifest: SeedManifest = { ...previous, command: `tenant add ${options.slug}`, tenants: previous.tenants + 1, rows: previous.rows + loaded.rows, counts, startedAt: new Date() };
      await writeManifest(trx, manifest);
      await writeEnvironmentStamp(trx, profile.name, 'tenant add');
      return { tenantId, rows: loaded.rows, counts: added, logins: devLogins(plan), notices };
    }),
  );
}
