/** A JSON Schema node as found in a definition file (draft 2020-12 plus tenantseed's x- keywords). */
export type SchemaNode = { [keyword: string]: unknown };

/** How one value is made: the `x-generate` keyword (or what the schema implies). */
export type GeneratorSpec =
  | 'uuid'
  | 'cuid'
  | { faker: string; repeat?: [number, number]; separator?: string; case?: 'lower' | 'upper' | 'slug' }
  | { template: string; parts?: Record<string, GeneratorSpec> }
  | { date: { daysBefore?: [number, number]; after?: string | string[]; maxDays?: number; strict?: boolean; gaps?: number[]; window?: number[]; byRank?: DateRankSpec } }
  | { integer: [number, number]; skew?: number }
  | { number: [number, number]; decimals?: number; skew?: number }
  | { password: { plaintextField?: string } }
  | { token: { group: string; part: 'prefix' | 'sha256'; prefix?: string } }
  | { const: unknown }
  | { row: { start?: number } }
  /** The sum of other numeric columns of the row (a CHECK `total = a + b`). */
  | { sum: string[] }
  /** Common values and equal-frequency buckets, as a source database's statistics hold them (`introspect --learn-from`). */
  | { distribution: DistributionSpec };

/** `{distribution: ...}`: see docs/definitions.md. Dates: days before the profile's reference date. */
export interface DistributionSpec {
  /** Bounds of equal-frequency buckets, in order. */
  readonly bounds?: readonly number[];
  /** Values shared by many rows: [value, share of the non-null values]. */
  readonly common?: ReadonlyArray<readonly [number, number]>;
  /** Digits kept after the decimal point of a number (default 2). */
  readonly decimals?: number;
}

/**
 * `date.byRank`: a later date drawn at the rank its row's earlier date has in the earlier's
 * distribution, from its own distribution (both in days before the reference date, as
 * `distribution` holds them): both marginals as learned, the order kept.
 */
export interface DateRankSpec {
  readonly earlier: Pick<DistributionSpec, 'bounds' | 'common'>;
  readonly later: Pick<DistributionSpec, 'bounds' | 'common'>;
}

/** One column of a table definition, normalised. */
export interface ColumnDefinition {
  readonly name: string;
  /** The column's JSON Schema (with x- keywords). */
  readonly schema: SchemaNode;
  readonly nullable: boolean;
  /** The table and column this column references (`x-ref`, either form). */
  readonly ref?: { readonly table: string; readonly column: string };
  /** `x-unique`: unique within a tenant, or across the table. */
  readonly unique?: 'tenant' | 'global';
  /** `x-collide`: in profiles with collisions, the value repeats across tenants. */
  readonly collide: boolean;
  readonly nullProbability: number;
  /**
   * `x-spread`: the column's null decision and value are drawn at evenly spread points (row i of
   * a tenant at point i of a keyed sequence), so that even a few rows follow its weights,
   * null probability and distribution closely.
   */
  readonly spread: boolean;
  /**
   * `x-per-parent` on a reference: children per parent as quantiles (0%, 5%, ..., 100%); each
   * parent of a tenant takes a weight from them and the tenant's rows are shared out in proportion.
   */
  readonly perParent?: readonly number[];
  /** A JSONB column (object or array). */
  readonly json: boolean;
  /**
   * For a password column: the field of a fixed row that holds the plaintext it hashes. That
   * field is not a column, and is never written or returned by the fixtures.
   */
  readonly plaintextField?: string;
  /**
   * `x-ref-one-of`: the column references one of several tables, chosen by the value of a
   * discriminator column of the same row (`module_type` -> `chat_sessions`, ...).
   */
  readonly refOneOf?: { readonly discriminator: string; readonly targets: Readonly<Record<string, string>> };
  /** `x-distinct-from`: reference columns of the row to the same table whose rows this one avoids. */
  readonly distinctFrom?: readonly string[];
  /** `x-first-row`: the value of each tenant's first row (and `hasFirstRow` says there is one: it may be null). */
  readonly firstRow?: unknown;
  readonly hasFirstRow?: boolean;
}

/** `x-count`: how many rows per tenant (or in all, for a table without tenants). */
export interface CountSpec {
  readonly default: number;
  /** Whether a tenant's size class multiplies the count. Default true. */
  readonly scale: boolean;
}

/** One table definition (one file in seeds/definitions/), checked and normalised. */
export interface TableDefinition {
  readonly file: string;
  readonly table: string;
  readonly schema: SchemaNode;
  readonly columns: readonly ColumnDefinition[];
  readonly primaryKey: readonly string[];
  /**
   * The column references point at and tenantseed makes ids for: the one column that with the
   * tenant column is a key (primary key first, then `x-unique-keys`), else the primary key's last.
   */
  readonly idColumn: string;
  /** Unique constraints over several columns (`x-unique-keys`): generated rows never repeat a tuple. */
  readonly uniqueKeys: readonly (readonly string[])[];
  /** The table that lists the tenants (`x-tenant-root`). */
  readonly tenantRoot: boolean;
  /** Shared by every tenant on purpose (`x-global`): validate lets the application role read it unisolated. */
  readonly global: boolean;
  /** The column holding the tenant id (`x-tenant-column`), for tenant-scoped tables. */
  readonly tenantColumn?: string;
  /**
   * `x-tenant-via`: a table without a tenant column that belongs to the tenant of the row one of
   * its references (`x-ref` or `x-ref-one-of`) points at; see {@link tenantChain}.
   */
  readonly tenantVia?: string;
  /** The column that names a row for fixtures (`x-natural-key`): slug, email. */
  readonly naturalKey?: string;
  readonly count: CountSpec;
  /** Existed before tenancy (`x-legacy`): legacy rows have every column but the tenant's. */
  readonly legacy: boolean;
  /** Rows the migrations create (`x-existing-rows`): referenced, never generated or loaded. */
  readonly existingRows: readonly Record<string, unknown>[];
  /** Rows made for every tenant (or once, for a table without tenants) (`x-fixed-rows`). */
  readonly fixedRows: readonly Record<string, unknown>[];
  /** Foreign keys over several columns, or to a parent's columns other than its id (`x-foreign-keys`). */
  readonly foreignKeys: readonly CompositeReference[];
  /** CHECKs tenantseed cannot read as rules (`x-checks`): rows are drawn again until PostgreSQL says they hold. */
  readonly checks: readonly CheckExpression[];
}

/** A CHECK constraint kept as PostgreSQL prints its expression (`x-checks`). */
export interface CheckExpression {
  readonly name: string;
  readonly expression: string;
}

/**
 * A foreign key over several columns (`x-foreign-keys`): each row copies the values of one
 * existing row of the parent (of the same tenant), so the tuple always exists there.
 */
export interface CompositeReference {
  /** The referencing columns, without the tenant column (it is the same tenant). */
  readonly columns: readonly string[];
  readonly table: string;
  /** The parent's columns, in the order of `columns`. */
  readonly references: readonly string[];
}

/** A set of definitions in load order (parents before children). */
export interface DefinitionSet {
  readonly directory: string;
  /** In foreign-key order. */
  readonly tables: readonly TableDefinition[];
  readonly byName: ReadonlyMap<string, TableDefinition>;
  /** The table with `x-tenant-root`, if any. */
  readonly tenantRoot?: TableDefinition;
  /** Columns set to null to break reference cycles. */
  readonly cycleBreaks: readonly { readonly table: string; readonly column: string }[];
}

/** A named tenant of a profile: its row in the tenant table, plus rows of other tables. */
export interface NamedTenant {
  /** The row of the tenant table: its natural key (such as slug) names the tenant. */
  readonly values: Record<string, unknown>;
  readonly scale: number;
  readonly rows: Record<string, Record<string, unknown>[]>;
}

/** A size class of generated tenants: a share of them, and a multiplier of the counts. */
export interface SizeClass {
  readonly share: number;
  readonly scale: number;
}

/** An environment profile (one file in seeds/environments/), checked. */
export interface Profile {
  readonly file: string;
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  /** ISO timestamp all generated dates are relative to. */
  readonly referenceDate: string;
  /** The Faker locale of names, places and text (`de`, `fr`, `pt_BR`); English when absent. */
  readonly locale?: string;
  readonly protected: boolean;
  readonly collisions: boolean;
  readonly passwords: readonly string[];
  readonly namedTenants: readonly NamedTenant[];
  /**
   * What `tenant add` scaffolds: values of the tenant row and named rows of other tables, in
   * which `{slug}`, `{name}` and `{template}` are replaced.
   */
  readonly newTenant: { readonly values: Record<string, unknown>; readonly rows: Record<string, Record<string, unknown>[]> };
  readonly generatedTenants: number;
  readonly sizes: readonly SizeClass[];
  readonly counts: Readonly<Record<string, number>>;
  /** Rows per tenant of a table as quantiles (`perTenant`): generated tenants take the quantile at their point. */
  readonly perTenant: Readonly<Record<string, readonly number[]>>;
  readonly legacy: Readonly<Record<string, number>>;
  /** Rows with no tenant on purpose (`withoutTenant`), by table. */
  readonly withoutTenant: Readonly<Record<string, WithoutTenant>>;
}

/**
 * The rows of a table that have no tenant on purpose (platform admins in `users`): their
 * tenant column is NULL; the named ones (`rows`) come first, every one takes `values`.
 */
export interface WithoutTenant {
  readonly count: number;
  readonly values: Readonly<Record<string, unknown>>;
  readonly rows: readonly Record<string, unknown>[];
}
