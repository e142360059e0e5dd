import type { TablePolicy, TableKey } from '../../db';

/** How much an advice item matters: `high` is a likely hole, `low` a convention. */
export type AdviceSeverity = 'high' | 'medium' | 'low';

/** What the catalog says about one tenant table: what every rule reads. */
export interface TableFacts {
  readonly table: string;
  readonly tenantColumn: string;
  readonly security: { readonly enabled: boolean; readonly forced: boolean };
  readonly policies: readonly TablePolicy[];
  readonly keys: readonly TableKey[];
  /** Unique indexes without the tenant column. */
  readonly uniqueIndexesWithoutTenant: readonly string[];
  readonly indexLedByTenant: boolean;
  /** Whether the application role owns the table (or is a member of its owner). */
  readonly ownedByApplication: boolean;
  /** The tenant tables of the schema (each holds a tenant column): what a reference may reach across tenants. */
  readonly tenantTables: ReadonlySet<string>;
}

/** One place a rule applies: the objects, in words. */
export interface AdviceHit {
  readonly objects: readonly string[];
  readonly message: string;
}

/**
 * A design rule: advice, never a failure. Its id is stable (users accept it by id in
 * `validate.accept`), its why and fix are shown with every item.
 */
export interface AdviceRule {
  readonly id: string;
  readonly title: string;
  readonly severity: AdviceSeverity;
  readonly why: string;
  readonly fix: string;
  readonly check: (facts: TableFacts) => readonly AdviceHit[];
}
