import type { Knex } from 'knex';
import { DEFAULT_SCHEMAS, DEFAULT_TENANCY, TenancyNames } from '../config';
import { readLatestManifest } from '../db';
import type { DefinitionSet } from '../definitions';
import { UsageError } from '../errors';
import { checkIsolation } from './check-isolation';
import { checkJsonSchema } from './check-json-schema';
import { checkLegacyAbsorption } from './check-legacy';
import { checkForeignKeys, checkTenantConsistency } from './check-references';
import { checkRowCounts } from './check-row-counts';
import { checkSchema } from './check-schema';
import { CHECK_NAMES, CheckContext, CheckName, CheckResult, ValidationReport } from './types';

const CHECKS: Record<CheckName, (ctx: CheckContext) => Promise<CheckResult>> = {
  schema: checkSchema,
  'row-counts': checkRowCounts,
  'foreign-keys': checkForeignKeys,
  'tenant-consistency': checkTenantConsistency,
  isolation: checkIsolation,
  'legacy-absorption': checkLegacyAbsorption,
  'json-schema': checkJsonSchema,
};

/** Options of {@link validateDatabase}. */
export interface ValidateDatabaseOptions {
  knex: Knex;
  definitions: DefinitionSet;
  /** Run only these checks (all by default). */
  checks?: readonly string[];
  isolationSample?: number;
  jsonSample?: number;
  /** The project's schemas (default ["public"]) and tenancy names (default: the shipped ones). */
  schemas?: readonly string[];
  tenancy?: TenancyNames;
  /** Called as each check finishes. */
  onCheck?: (result: CheckResult) => void;
}

/**
 * Runs the named checks against a database and reports each: data, never an exception for a
 * failed check. Works on a database tenantseed did not seed: checks that need the manifest or
 * the ledger say they were skipped. Never changes data (the isolation probes roll back).
 *
 * @example
 * const report = await validateDatabase({ knex, definitions: loadDefinitions('seeds/definitions') });
 * if (!report.ok) process.exitCode = 1;
 */
export async function validateDatabase(options: ValidateDatabaseOptions): Promise<ValidationReport> {
  const names = options.checks ?? CHECK_NAMES;
  for (const name of names) {
    if (!(CHECK_NAMES as readonly string[]).includes(name)) {
      throw new UsageError(`--check ${name} is not a check`, { hint: `Use one of: ${CHECK_NAMES.join(', ')}.` });
    }
  }
  const ctx: CheckContext = {
    knex: options.knex,
    definitions: options.definitions,
    manifest: await readLatestManifest(options.knex),
    isolationSample: options.isolationSample ?? 3,
    jsonSample: options.jsonSample ?? 20_000,
    schemas: options.schemas ?? DEFAULT_SCHEMAS,
    tenancy: options.tenancy ?? DEFAULT_TENANCY,
  };
  const checks: CheckResult[] = [];
  for (const name of names as CheckName[]) {
    const result = await CHECKS[name](ctx);
    checks.push(result);
    options.onCheck?.(result);
  }
  return { ok: checks.every((c) => c.ok), checks };
}
