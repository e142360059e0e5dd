import type { Knex } from 'knex';
import type { DefinitionSet } from '../definitions';
import type { TenancyNames } from '../config';
import { quoteIdentifier } from '../db';
import type { SeedManifest } from '../db';

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
    readonly [extra: string]: unknown;
  };
}

/** The report of `tenantseed validate`. */
export interface ValidationReport {
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
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
}

export const ident = quoteIdentifier;
