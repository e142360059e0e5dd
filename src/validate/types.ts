import type { Knex } from 'knex';
import type { DefinitionSet } from '../definitions';
import type { TenancyNames } from '../config';
import { quoteIdentifier } from '../db';
import type { SeedManifest, TableDistribution } from '../db';
import type { ContextIdentity } from './context-identity';

/** The names of the checks, in the order they run. */
export const CHECK_NAMES = ['schema', 'row-counts', 'foreign-keys', 'tenant-consistency', 'isolation', 'legacy-absorption', 'json-schema'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One problem a check found: where, and up to five example rows. */
export interface Finding {
  readonly table?: string;
  readonly tenant?: string;
  readonly message: string;
  /** Ids (or key values) of up to five example rows. */
  readonly examples?: readonly string[];
  /**
   * What the check expected and what it found, where a finding compares two values (rows the
   * manifest records against rows the table holds): reports show them side by side.
   */
  readonly expected?: number | string;
  readonly actual?: number | string;
}

/**
 * Advice: a design rule the schema does not follow. Shown in every report, never a failure;
 * `accepted` holds the reason when `validate.accept` of the project config accepts it.
 */
export interface Advice {
  /** The rule's stable id, e.g. `TS-K01`. */
  readonly rule: string;
  readonly title: string;
  readonly severity: 'high' | 'medium' | 'low';
  readonly table?: string;
  /** The objects the item is about: the table, a key, an index, a policy. */
  readonly objects: readonly string[];
  readonly message: string;
  readonly why: string;
  readonly fix: string;
  /** The reason given in `validate.accept`, when accepted. */
  readonly accepted?: string;
}

/** An advice item accepted in the project config (`validate.accept`): the rule, optionally one table, and why. */
export interface AcceptedRule {
  readonly rule: string;
  readonly table?: string;
  readonly reason: string;
}

/** What a check reports: data, never an exception. */
export interface CheckResult {
  readonly name: CheckName;
  readonly ok: boolean;
  /** Set when the check could not run (no manifest, no ledger): it fails nothing. */
  readonly skipped?: string;
  readonly details: {
    readonly summary: string;
    readonly findings: readonly Finding[];
    readonly hint?: string;
    /** The tables the check covered (for reports: one test case per table). */
    readonly tables?: readonly string[];
    readonly [extra: string]: unknown;
  };
  /** Advice the check found (only `schema` gives any); the report gathers it in `advice`. */
  readonly advice?: readonly Advice[];
  /** How long the check ran, in milliseconds (set by the validator; reports show it). */
  readonly durationMs?: number;
}

/** What a report says about the database besides its checks. */
export interface ReportContext {
  /** ISO time the report was made. */
  readonly generatedAt: string;
  /** The database as it may be printed (never a password). */
  readonly database: string;
  readonly environment: string;
  readonly stamp?: { readonly environment: string; readonly stampedBy: string; readonly stampedAt: string };
  /** The last seed's dataset fingerprint, seed and generator version, if tenantseed seeded it. */
  readonly fingerprint?: string;
  readonly seed?: number;
  readonly generatorVersion?: number;
  /** Rows per table of the definitions. */
  readonly tables: readonly { readonly table: string; readonly rows: number }[];
  /** Rows per tenant over the tenant tables, largest first, named by the tenant table's natural key. */
  readonly tenants: readonly { readonly id: string; readonly name: string; readonly rows: number }[];
}

/**
 * The report of `tenantseed validate`: one model that the text, JSON, JUnit and HTML
 * renderers all draw from.
 */
export interface ValidationReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
  /** Design rules the schema does not follow: never a failure; accepted ones carry their reason. */
  readonly advice: readonly Advice[];
  /** The roles the run acted as: the reader of the data and the application role of the probes. */
  readonly actedAs: { readonly reader: string; readonly application: string };
  /** Present when the caller asked for it (`describe`): what the reports show beside the checks. */
  readonly context?: ReportContext;
  /**
   * Set when reset took this report from the cached state it cloned instead of validating the
   * copy again (the same bytes, validation settings, roles, server settings and tenantseed):
   * when that validation ran, and the cache.
   */
  readonly reused?: { readonly validatedAt: string; readonly cache: string };
}

/** What every check is given. */
export interface CheckContext {
  readonly knex: Knex;
  readonly definitions: DefinitionSet;
  /** The manifest of the last seed, if the database was seeded by tenantseed. */
  readonly manifest?: SeedManifest;
  /** Tenants probed by the isolation check. Default 3. */
  readonly isolationSample: number;
  /** Rows read per table by the json-schema check. Default 20,000. */
  readonly jsonSample: number;
  /** The schemas the project owns (the connection's search_path resolves table names). */
  readonly schemas: readonly string[];
  /** The role and setting the isolation probes act with. */
  readonly tenancy: TenancyNames;
  /** Tables the config declares shared (`validate.shared`): the application role may read them whole. */
  readonly shared: ReadonlyArray<{ readonly table: string; readonly reason: string }>;
  /**
   * On a Citus coordinator: how each table of the schemas is held (by table name). Joins
   * between distributed tables that are not on their distribution columns cannot run there.
   */
  readonly distribution?: ReadonlyMap<string, TableDistribution>;
  /** The signed-in user a context function with a membership check needs (set by the isolation check). */
  readonly identity?: ContextIdentity;
}

export const ident = quoteIdentifier;
