import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { DEFAULT_SCHEMAS, DEFAULT_TENANCY, TenancyNames } from '../config';
import { citusStatus, readDistribution, readLatestManifest, readRole, readTables } from '../db';
import type { DefinitionSet } from '../definitions';
import { SafetyError, TenantseedError, UsageError } from '../errors';
import { ADVICE_RULES } from './advice';
import { quoteIdentifier } from '../db';
import { checkIsolation } from './check-isolation';
import { collectReportContext, DescribeDatabaseOptions } from './report-context';
import { checkJsonSchema } from './check-json-schema';
import { checkLegacyAbsorption } from './check-legacy';
import { checkForeignKeys, checkTenantConsistency } from './check-references';
import { checkRowCounts } from './check-row-counts';
import { checkSchema } from './check-schema';
import { AcceptedRule, Advice, CHECK_NAMES, CheckContext, CheckName, CheckResult, ReportContext, ValidationReport } from './types';

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
  /** Adds the report context (stamp, fingerprint, rows per table and tenant) for these. */
  describe?: DescribeDatabaseOptions;
  /** Whether a check that could not run (skipped) may pass; by default it fails the report. */
  allowSkip?: boolean;
  /** Advice accepted with a reason (`validate.accept` of the project config): still shown, as accepted. */
  accept?: readonly AcceptedRule[];
  /** Tables shared on purpose (`validate.shared` of the project config): the application role may read them whole. */
  shared?: ReadonlyArray<{ readonly table: string; readonly reason: string }>;
  /** Called as each check finishes. */
  onCheck?: (result: CheckResult) => void;
}

/**
 * Fails closed before any check: a role that cannot read past row-level security would count
 * only the rows it may see, and checks over those would pass on nothing. Superusers and
 * BYPASSRLS roles read everything; a member of the admin role reads as it (the checks then run
 * in one transaction under SET LOCAL ROLE).
 */
async function readerRole(knex: Knex, adminRole: string): Promise<{ name: string; setRole?: string }> {
  const row = (await knex.raw(
    `SELECT current_user AS name, r.rolsuper OR r.rolbypassrls AS bypass,
            EXISTS (SELECT 1 FROM pg_roles a WHERE a.rolname = ? AND a.rolbypassrls AND pg_has_role(current_user, a.oid, 'MEMBER')) AS admin
       FROM pg_roles r WHERE r.rolname = current_user`,
    [adminRole],
  )).rows[0] as { name: string; bypass: boolean; admin: boolean };
  if (row.bypass) return { name: row.name };
  if (row.admin) return { name: row.name, setRole: adminRole };
  throw new TenantseedError(`The role "${row.name}" cannot read past row-level security: validate would see only the rows its policies show, and pass over the rest`, {
    hint: `Validate as a superuser or a role with BYPASSRLS, or as a member of the admin role: GRANT ${/^[a-z_][a-z0-9_]*$/.test(adminRole) ? adminRole : quoteIdentifier(adminRole)} TO ${quoteIdentifier(row.name)} (the admin role must have BYPASSRLS).`,
  });
}

/**
 * Refuses (exit 3) to probe as an application role that row-level security does not apply to:
 * a superuser or a BYPASSRLS role sees every tenant, so the isolation probes would prove
 * nothing about the role the application really uses, or fail for a reason no policy fixes.
 */
async function refuseBypassingAppRole(knex: Knex, appRole: string): Promise<void> {
  const role = await readRole(knex, appRole);
  if (!role || !(role.superuser || role.bypassRls)) return;
  const what = role.superuser ? 'a superuser' : 'a role with BYPASSRLS';
  throw new SafetyError(`Refusing to validate as the application role "${appRole}": it is ${what}, so row-level security does not apply to it and the isolation probes would prove nothing`, {
    hint: `Name the role your application connects as in "tenancy.appRole" of tenantseed.config.json (a role without SUPERUSER or BYPASSRLS), or take the bypass away: ALTER ROLE ${quoteIdentifier(appRole)} ${role.superuser ? 'NOSUPERUSER' : ''}${role.superuser && role.bypassRls ? ' ' : ''}${role.bypassRls ? 'NOBYPASSRLS' : ''}. Nothing was checked.`,
  });
}

/** Every accepted rule must name a rule, or the acceptance would silently accept nothing. */
function assertKnownRules(accept: readonly AcceptedRule[]): void {
  const ids = ADVICE_RULES.map((r) => r.id);
  for (const a of accept) {
    if (!ids.includes(a.rule)) {
      throw new UsageError(`validate.accept names the rule ${a.rule}, which is no rule`, { hint: `Accept one of: ${ids.join(', ')} (docs/validate.md lists them).` });
    }
  }
}

/** Marks the advice items that `accept` accepts (same rule, and the same table when it names one). */
function applyAccepted(advice: readonly Advice[], accept: readonly AcceptedRule[]): Advice[] {
  return advice.map((item) => {
    const by = accept.find((a) => a.rule === item.rule && (a.table === undefined || a.table === item.table));
    return by ? { ...item, accepted: by.reason } : item;
  });
}

/**
 * Every table the definitions name must exist before any check runs: on a database that is not
 * migrated, the checks would fail on their first query with its SQL and "relation does not
 * exist". Names what is missing and what to run instead.
 */
async function assertTablesExist(knex: Knex, definitions: DefinitionSet, schemas: readonly string[]): Promise<void> {
  const found = await readTables(knex, definitions.tables.map((t) => t.table));
  const missing = definitions.tables.map((t) => t.table).filter((table) => !found.has(table));
  if (missing.length === 0) return;
  const all = missing.length === definitions.tables.length;
  const listed = missing.length > 8 ? `${missing.slice(0, 8).join(', ')} and ${missing.length - 8} more` : missing.join(', ');
  throw new TenantseedError(
    all
      ? `The database is not migrated: none of the ${missing.length} tables the definitions name exists in the schemas ${schemas.join(', ')} (${listed})`
      : `The database lacks ${missing.length} of the ${definitions.tables.length} tables the definitions name, in the schemas ${schemas.join(', ')}: ${listed}`,
    {
      hint: 'Migrate it first (`tenantseed migrate latest`, or your own migration tool when the project config names no migrations), '
        + 'or build and seed it in one go with `tenantseed reset --env ENV`; if the tables live elsewhere, correct "schemas" in tenantseed.config.json or "x-table" in the definitions.',
    },
  );
}

/**
 * Runs the named checks against a database and reports each: data, never an exception for a
 * failed check. Fails closed: a role that cannot read past row-level security is an error
 * before any check, and a check that could not run (no manifest, no ledger, one tenant) fails
 * the report unless `allowSkip`. Never changes data (the isolation probes roll back).
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
  assertKnownRules(options.accept ?? []);
  await assertTablesExist(options.knex, options.definitions, options.schemas ?? DEFAULT_SCHEMAS);
  const tenancy = options.tenancy ?? DEFAULT_TENANCY;
  const reader = await readerRole(options.knex, tenancy.adminRole);
  await refuseBypassingAppRole(options.knex, tenancy.appRole);
  if (reader.setRole && (await citusStatus(options.knex)).coordinator) {
    // Citus keeps worker connections per role: the checks would switch roles inside one
    // transaction (admin, then the app role for the probes), which it cannot do reliably
    // (citusdata/citus#3867).
    throw new TenantseedError(`On Citus, validate cannot read as ${reader.setRole} by switching to it inside a transaction`, {
      hint: `Validate as a superuser, or connect as ${reader.setRole} itself (it needs LOGIN).`,
    });
  }
  if ((await citusStatus(options.knex)).coordinator) {
    // Citus keeps worker connections per role, and the probes switch to the application role:
    // one transaction over every check cannot do that reliably (citusdata/citus#3867), so on a
    // coordinator each check reads its own snapshot (docs/validate.md).
    return runChecks(options, names as CheckName[], reader.name);
  }
  // One snapshot for every check: a REPEATABLE READ transaction, always rolled back. The write
  // probes run in savepoints inside it, so it cannot be READ ONLY; nothing of it is committed.
  // The isolation check (the longest: its probes are server work) runs beside the others on a
  // second connection that imports the same snapshot (docs/validate.md, "One snapshot").
  let report: ValidationReport | undefined;
  await options.knex.transaction(async (trx) => {
    if (reader.setRole) await trx.raw(`SET LOCAL ROLE ${quoteIdentifier(reader.setRole)}`);
    const side = names.includes('isolation') && names.length > 1 ? await importSnapshot(options.knex, trx, reader.setRole) : undefined;
    try {
      report = await runChecks({ ...options, knex: trx as unknown as Knex }, names as CheckName[], reader.setRole ?? reader.name, side?.trx);
    } finally {
      await side?.end();
    }
    throw END_SNAPSHOT;
  }, { isolationLevel: 'repeatable read' }).catch((err) => {
    if (err !== END_SNAPSHOT) throw err;
  });
  return report!;
}

/**
 * A second REPEATABLE READ transaction on another connection of the pool that reads the
 * snapshot of `trx` (pg_export_snapshot, then SET TRANSACTION SNAPSHOT): both see exactly the
 * same data, and the checks split between them run at once. Undefined (the checks then run one
 * after another in `trx`) where the pool cannot give a second connection (a transaction handed
 * in as the Knex instance, a pool of one) or the server refuses the import.
 */
export async function importSnapshot(knex: Knex, trx: Knex.Transaction, setRole: string | undefined): Promise<{ trx: Knex; end: () => Promise<void> } | undefined> {
  const pool = (knex.client as { config?: { pool?: { max?: number } } }).config?.pool;
  if (knex.isTransaction || (pool?.max !== undefined && pool.max < 2)) return undefined;
  const { id } = (await trx.raw('SELECT pg_export_snapshot() AS id')).rows[0] as { id: string };
  const side = await knex.transaction(null, { isolationLevel: 'repeatable read' } as Knex.TransactionConfig);
  // Rolled back on purpose below: that is not a failure of the transaction.
  side.executionPromise.catch(() => undefined);
  try {
    await side.raw(`SET TRANSACTION SNAPSHOT '${id.replace(/'/g, "''")}'`);
    if (setRole) await side.raw(`SET LOCAL ROLE ${quoteIdentifier(setRole)}`);
  } catch {
    await side.rollback(END_SNAPSHOT).catch(() => undefined);
    return undefined;
  }
  return { trx: side as unknown as Knex, end: async () => { await side.rollback(END_SNAPSHOT).catch(() => undefined); } };
}

/** Thrown to end the snapshot's transaction: validation never commits anything. */
const END_SNAPSHOT = new Error('tenantseed validate: end of the snapshot');

/**
 * Runs the checks of one snapshot and gathers the report, in the order of `names`. With `side`
 * (a transaction reading the same snapshot on another connection), the isolation check runs
 * there while the others run in turn on `options.knex`.
 */
async function runChecks(options: ValidateDatabaseOptions, names: readonly CheckName[], readerName: string, side?: Knex): Promise<ValidationReport> {
  const ctx: CheckContext = {
    knex: options.knex,
    definitions: options.definitions,
    manifest: await readLatestManifest(options.knex),
    isolationSample: options.isolationSample ?? 3,
    jsonSample: options.jsonSample ?? 20_000,
    schemas: options.schemas ?? DEFAULT_SCHEMAS,
    tenancy: options.tenancy ?? DEFAULT_TENANCY,
    shared: options.shared ?? [],
    distribution: (await citusStatus(options.knex)).coordinator
      ? new Map((await readDistribution(options.knex, options.schemas ?? DEFAULT_SCHEMAS)).map((t) => [t.name, t]))
      : undefined,
  };
  const run = async (name: CheckName, knex: Knex): Promise<CheckResult> => {
    const started = performance.now();
    const measured = await CHECKS[name]({ ...ctx, knex });
    const ran = { ...measured, durationMs: Math.round((performance.now() - started) * 10) / 10 };
    // A check that could not run proves nothing: it fails, unless the caller allows skips.
    const result = ran.skipped && !options.allowSkip ? { ...ran, ok: false } : ran;
    options.onCheck?.(result);
    return result;
  };
  // Its outcome is held (never an unhandled rejection) until the others are done.
  const beside = side && names.includes('isolation')
    ? run('isolation', side).then((result) => ({ result }), (error: unknown) => ({ error }))
    : undefined;
  const done = new Map<CheckName, CheckResult>();
  let context: ReportContext | undefined;
  try {
    for (const name of names) if (!(beside && name === 'isolation')) done.set(name, await run(name, options.knex));
    // Read while the isolation check may still run beside: the same snapshot.
    if (options.describe) context = await collectReportContext(options.knex, options.definitions, options.describe);
  } finally {
    // Settled before the snapshot's transactions end, whatever happened here.
    await beside;
  }
  if (beside) {
    const outcome = await beside;
    if ('error' in outcome) throw outcome.error;
    done.set('isolation', outcome.result);
  }
  const checks: CheckResult[] = [];
  const advice: Advice[] = [];
  for (const name of names) {
    const { advice: given, ...result } = done.get(name)!;
    advice.push(...(given ?? []));
    checks.push(result);
  }
  // Advice never decides: only the checks' proofs do.
  return {
    ok: checks.every((c) => c.ok), checks, advice: applyAccepted(advice, options.accept ?? []),
    actedAs: { reader: readerName, application: ctx.tenancy.appRole }, ...(context ? { context } : {}),
  };
}
