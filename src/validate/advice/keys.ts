import type { AdviceRule } from './types';

/** TS-K01: a primary key without the tenant column. */
export const KEY_WITHOUT_TENANT: AdviceRule = {
  id: 'TS-K01',
  title: 'key without the tenant column',
  severity: 'low',
  why: 'A composite foreign key (tenant, id) can only point at a key that holds the tenant column; without it the database cannot forbid a reference to another tenant\'s row, and Citus cannot distribute the table.',
  fix: 'Make the primary key (tenant column, id), or accept the rule for this table with a reason.',
  check: (f) => {
    const pk = f.keys.find((k) => k.kind === 'p');
    if (!pk) return [{ objects: [f.table], message: 'has no primary key' }];
    return pk.columns.includes(f.tenantColumn) ? [] : [{ objects: [pk.name], message: `primary key ${pk.name} (${pk.columns.join(', ')}) lacks ${f.tenantColumn}` }];
  },
};

/** TS-K02: a unique constraint or index across tenants. */
export const UNIQUE_ACROSS_TENANTS: AdviceRule = {
  id: 'TS-K02',
  title: 'unique across tenants',
  severity: 'low',
  why: 'A value unique across tenants lets one tenant learn, by a failed insert, that another tenant holds it. Often it is global on purpose (a login e-mail, an API key hash).',
  fix: 'Add the tenant column to the key, or accept the rule for this table with the reason it is global.',
  check: (f) => [
    ...f.keys.filter((k) => k.kind === 'u' && !k.columns.includes(f.tenantColumn))
      .map((u) => ({ objects: [u.name], message: `unique constraint ${u.name} (${u.columns.join(', ')}) lacks ${f.tenantColumn}: it is unique across tenants` })),
    ...f.uniqueIndexesWithoutTenant.map((name) => ({ objects: [name], message: `unique index ${name} lacks ${f.tenantColumn}: it is unique across tenants` })),
  ],
};

/** TS-K03: a foreign key to another tenant table that does not carry the tenant column. */
export const REFERENCE_WITHOUT_TENANT: AdviceRule = {
  id: 'TS-K03',
  title: 'reference without the tenant column',
  severity: 'medium',
  why: 'PostgreSQL checks a foreign key without row-level security: the application role can write a row of its own tenant that points at another tenant\'s row, and whether that write fails tells it whether an id exists in another tenant. The isolation probes do not try this; tenant-consistency proves only that the rows present hold no such reference.',
  fix: 'Make the key (tenant column, reference) point at a key (tenant column, id) of the referenced table, or accept the rule for this table with a reason.',
  check: (f) => f.keys
    .filter((k) => k.kind === 'f' && !!k.references && f.tenantTables.has(k.references) && !k.columns.includes(f.tenantColumn))
    .map((k) => ({ objects: [k.name], message: `foreign key ${k.name} (${k.columns.join(', ')}) references ${k.references} without ${f.tenantColumn}: a row may point at another tenant's row` })),
};
