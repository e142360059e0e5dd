import type pg from 'pg';

/**
 * One statement of a batch of probes. Its parameters are the elements of one text array,
 * written `($1::text[])[k]` in the SQL ({@link param}), so that the same text runs on its own
 * (bound) and inside the server-side batch (EXECUTE ... USING).
 */
export interface ProbeStep {
  readonly sql: string;
  readonly params?: ReadonlyArray<string | null>;
  /**
   * `write`: an UPDATE, DELETE or INSERT, rolled back whatever happens; its row count or its
   * error. `read`: a SELECT; its first row (as JSON); its error ends the steps of its group.
   */
  readonly kind: 'read' | 'write';
  /** Steps of one group (one table probed as one tenant) after a failed read are not run. */
  readonly group?: number;
}

/** What one step did: rows touched, the first row read, or the error; `skipped` after a failed read of its group. */
export interface ProbeOutcome {
  readonly rowCount?: number;
  readonly row?: Record<string, unknown> | null;
  readonly code?: string;
  readonly message?: string;
  readonly skipped?: boolean;
}

/** The k-th (1-based) parameter of a step's SQL. */
export function param(k: number): string {
  return `($1::text[])[${k}]`;
}

/** Steps per server-side batch: one statement for the server, kept well short of any statement_timeout. */
const BATCH_STEPS = 200;
const ROLLED_BACK = 'TSPRB';

/**
 * Runs every step in a subtransaction that ends rolled back, reporting each outcome, on the
 * server: one DO block per batch runs the steps with EXECUTE ... USING, each in a BEGIN ...
 * EXCEPTION block (a subtransaction, as a SAVEPOINT is), which a raised sentinel rolls back
 * when the step succeeded. The block runs as the session's current role, with its settings:
 * the statements act exactly as they would one by one, without a round trip each. The steps
 * and outcomes travel as JSON in two transaction-local settings.
 */
const BATCH_BLOCK = `DO $tenantseed_probes$
DECLARE
  step jsonb;
  outcomes jsonb := '[]'::jsonb;
  n bigint;
  r jsonb;
  failed_group jsonb;
BEGIN
  FOR step IN SELECT s FROM jsonb_array_elements(current_setting('tenantseed.probe_steps')::jsonb) WITH ORDINALITY AS x(s, k) ORDER BY k LOOP
    IF failed_group IS NOT NULL AND step->'g' = failed_group THEN
      outcomes := outcomes || jsonb_build_array(jsonb_build_object('skipped', true));
      CONTINUE;
    END IF;
    BEGIN
      IF step->>'k' = 'read' THEN
        EXECUTE 'SELECT to_jsonb(s) FROM (' || (step->>'sql') || ') s LIMIT 1' INTO r USING ARRAY(SELECT jsonb_array_elements_text(step->'p'));
        outcomes := outcomes || jsonb_build_array(jsonb_build_object('row', r));
      ELSE
        EXECUTE step->>'sql' USING ARRAY(SELECT jsonb_array_elements_text(step->'p'));
        GET DIAGNOSTICS n = ROW_COUNT;
        outcomes := outcomes || jsonb_build_array(jsonb_build_object('rowCount', n));
      END IF;
      RAISE SQLSTATE '${ROLLED_BACK}';
    EXCEPTION
      WHEN SQLSTATE '${ROLLED_BACK}' THEN NULL;
      WHEN OTHERS THEN
        outcomes := outcomes || jsonb_build_array(jsonb_build_object('code', SQLSTATE, 'message', SQLERRM));
        IF step->>'k' = 'read' AND step ? 'g' THEN failed_group := step->'g'; END IF;
    END;
  END LOOP;
  PERFORM set_config('tenantseed.probe_outcomes', outcomes::text, true);
END
$tenantseed_probes$`;

/** Runs the steps on the server in batches ({@link BATCH_BLOCK}). */
async function runOnServer(client: pg.ClientBase, steps: readonly ProbeStep[]): Promise<ProbeOutcome[]> {
  const outcomes: ProbeOutcome[] = [];
  let from = 0;
  while (from < steps.length) {
    // A group never spans two batches, so that a failed read skips the rest of its group.
    let to = Math.min(from + BATCH_STEPS, steps.length);
    while (to < steps.length && steps[to].group !== undefined && steps[to].group === steps[to - 1].group) to++;
    const batch = steps.slice(from, to).map((s) => ({ sql: s.sql, p: s.params ?? [], k: s.kind, ...(s.group === undefined ? {} : { g: s.group }) }));
    await client.query(`SELECT set_config('tenantseed.probe_steps', $1, true)`, [JSON.stringify(batch)]);
    await client.query(BATCH_BLOCK);
    outcomes.push(...JSON.parse((await client.query(`SELECT current_setting('tenantseed.probe_outcomes') AS o`)).rows[0].o) as ProbeOutcome[]);
    from = to;
  }
  return outcomes;
}

/** Runs the steps one statement at a time, each in a savepoint rolled back: the same outcomes, a few round trips each. */
async function runOneByOne(client: pg.ClientBase, steps: readonly ProbeStep[]): Promise<ProbeOutcome[]> {
  const outcomes: ProbeOutcome[] = [];
  let failedGroup: number | undefined;
  for (const step of steps) {
    if (failedGroup !== undefined && step.group === failedGroup) {
      outcomes.push({ skipped: true });
      continue;
    }
    await client.query('SAVEPOINT tenantseed_probe');
    try {
      const sql = step.kind === 'read' ? `SELECT to_jsonb(s) AS r FROM (${step.sql}) s LIMIT 1` : step.sql;
      // Bound only when the SQL names it: a statement without parameters takes none.
      const result = await client.query(sql, sql.includes('$1') ? [step.params ?? []] : []);
      outcomes.push(step.kind === 'read' ? { row: result.rows[0]?.r ?? null } : { rowCount: result.rowCount ?? 0 });
    } catch (err) {
      const { code, message } = err as { code?: string; message?: string };
      outcomes.push({ code: code ?? 'error', message: message ?? String(err) });
      if (step.kind === 'read' && step.group !== undefined) failedGroup = step.group;
    } finally {
      await client.query('ROLLBACK TO SAVEPOINT tenantseed_probe');
    }
  }
  return outcomes;
}

/** How probes reach the server: batched in DO blocks, or one statement at a time (Citus, or a role that may not run PL/pgSQL). */
export type ProbeRunner = (client: pg.ClientBase, steps: readonly ProbeStep[]) => Promise<ProbeOutcome[]>;

/**
 * The runner for a connection: batched on the server where the session's role may run a DO
 * block (USAGE on plpgsql, PUBLIC's by default) and the server is not a Citus coordinator
 * (whose workers would see each step through the coordinator's subtransactions: kept to the
 * statements the application itself sends); else one statement at a time.
 */
export async function probeRunner(client: pg.ClientBase, options: { citus: boolean }): Promise<ProbeRunner> {
  if (options.citus) return runOneByOne;
  const usable = (await client.query(`SELECT has_language_privilege('plpgsql', 'USAGE') AS ok`)).rows[0]?.ok === true;
  return usable ? runOnServer : runOneByOne;
}

/** Both runners, for the tests that prove they agree. */
export const PROBE_RUNNERS = { server: runOnServer as ProbeRunner, oneByOne: runOneByOne as ProbeRunner };
