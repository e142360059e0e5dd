import type { Progress, ProgressPhase } from '../load';
import type { CliIO } from './output';

/** How progress is shown: a live status line (a terminal), a line per phase and a periodic line (logs, CI), or nothing. */
export type ProgressMode = 'live' | 'lines' | 'off';

/** Options of {@link progressDisplay}. */
export interface ProgressDisplayOptions {
  /** `--quiet` or `--json`: nothing at all. */
  off: boolean;
  /** Rows the plan will write or load in all (tenant dataset and legacy rows): the whole ETA is computed from it. */
  planRows: number;
  /** Environment variables (CI=true means a log, even on a terminal). */
  env?: NodeJS.ProcessEnv;
  /** How often the periodic line is printed in a log (ms). */
  intervalMs?: number;
}

/** One progress display for a command: phase events in, lines on stderr out. */
export interface ProgressDisplay {
  readonly mode: ProgressMode;
  update(progress: Progress): void;
  /** Success: ends the last phase and prints the whole wall time and what it includes. */
  finish(): void;
  /** Always (also on failure): ends the live line and the timer; prints no total. */
  stop(): void;
  /** `io` whose stderr clears the live line before anything else is written there (notices, waits). */
  around(io: CliIO): CliIO;
}

interface Step {
  phase: ProgressPhase;
  table?: string;
  unit: string;
  done: number;
  total: number;
  startedAt: number;
  endedAt?: number;
}

const ROW_PHASES: ReadonlySet<ProgressPhase> = new Set(['legacy rows', 'load', 'generate']);

/** Picks the mode: off when asked, lines when stderr is not a terminal or CI is set, else live. */
export function progressMode(io: CliIO, off: boolean, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  if (off) return 'off';
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== '0' && env.CI.toLowerCase() !== 'false';
  return ci || !(io.stderr as NodeJS.WriteStream).isTTY ? 'lines' : 'live';
}

const count = (n: number) => n.toLocaleString('en-US');
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function eta(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function label(step: Step): string {
  return step.table ? `${step.phase} ${step.table}` : step.phase;
}

/** "load documents: 306,286 rows in 2.1 s (145,850 rows/s)", "migrate: 4.2 s". */
function doneLine(step: Step, now: number): string {
  const ms = (step.endedAt ?? now) - step.startedAt;
  if (step.total === 0) return `${label(step)}: ${seconds(ms)}`;
  const rate = step.unit === 'rows' ? ` (${count(Math.round(step.done / Math.max(ms / 1000, 0.001)))} rows/s)` : '';
  return `${label(step)}: ${count(step.done)} ${step.unit} in ${seconds(ms)}${rate}`;
}

/**
 * The progress of a seed, reset or generate on stderr: each phase (connect, migrate, legacy
 * rows, each table's load, keys, validation) with its count, rate and ETA. Each table's total
 * is its own (not the first phase's), and the whole ETA is computed from the plan's rows. A
 * finished phase leaves one line; a terminal also shows a live status line, a log (not a
 * terminal, or CI=true) a periodic line instead. The final line gives the wall time since the
 * process started and what it includes.
 */
export function progressDisplay(io: CliIO, options: ProgressDisplayOptions): ProgressDisplay {
  const mode = progressMode(io, options.off, options.env);
  const steps: Step[] = [];
  const write = (text: string) => io.stderr.write(text);
  let statusShown = false;
  let lastDraw = 0;
  let rowsSoFar = 0;
  let rowsStartedAt: number | undefined;
  const current = () => steps[steps.length - 1];
  const clearStatus = () => {
    if (statusShown) write('\r\x1b[K');
    statusShown = false;
  };

  /** "load documents: 120,000 of 306,286 rows (39%), 52,000 rows/s, ETA 4 s; all rows ETA 12 s". */
  const statusLine = (step: Step, now: number): string => {
    const ms = now - step.startedAt;
    if (step.total === 0) return `${label(step)}: ${seconds(ms)}`;
    const percent = Math.floor((step.done / step.total) * 100);
    let text = `${label(step)}: ${count(step.done)} of ${count(step.total)} ${step.unit} (${percent}%)`;
    if (step.unit !== 'rows' || step.done === 0) return text;
    const rate = step.done / Math.max(ms / 1000, 0.001);
    text += `, ${count(Math.round(rate))} rows/s, ETA ${eta(((step.total - step.done) / rate) * 1000)}`;
    const all = rowsSoFar + step.done;
    if (rowsStartedAt !== undefined && options.planRows > all) {
      const allRate = all / Math.max((now - rowsStartedAt) / 1000, 0.001);
      text += `; all ${count(options.planRows)} rows ETA ${eta(((options.planRows - all) / allRate) * 1000)}`;
    }
    return text;
  };

  const endStep = (now: number) => {
    const step = current();
    if (!step || step.endedAt !== undefined) return;
    step.endedAt = now;
    if (ROW_PHASES.has(step.phase)) rowsSoFar += step.done;
    clearStatus();
    write(`${doneLine(step, now)}\n`);
  };

  // The live line is not drawn while connecting: a confirmation may be asked then.
  const draw = (step: Step, now: number) => {
    if (step.phase === 'connect') return;
    lastDraw = now;
    write(`\r\x1b[K${statusLine(step, now)}`);
    statusShown = true;
  };
  const timer = mode === 'off'
    ? undefined
    : setInterval(() => {
      const step = current();
      if (!step || step.endedAt !== undefined) return;
      if (mode === 'lines') write(`  ${statusLine(step, Date.now())}\n`);
      else draw(step, Date.now());
    }, mode === 'lines' ? options.intervalMs ?? 10_000 : 250);
  timer?.unref();

  return {
    mode,
    update(progress) {
      if (mode === 'off') return;
      const now = Date.now();
      let step = current();
      if (!step || step.endedAt !== undefined || step.phase !== progress.phase || step.table !== progress.table) {
        endStep(now);
        step = { phase: progress.phase, table: progress.table, unit: progress.unit ?? 'rows', done: 0, total: 0, startedAt: now };
        steps.push(step);
        if (ROW_PHASES.has(step.phase)) rowsStartedAt ??= now;
      }
      step.done = progress.rowsDone;
      step.total = progress.totalRows;
      if (mode === 'live' && now - lastDraw >= 100) draw(step, now);
    },
    finish() {
      if (mode === 'off') return;
      endStep(Date.now());
      clearInterval(timer);
      // The wall time counts from the process's start: start-up and module loading included.
      const wall = process.uptime() * 1000;
      const byPhase = new Map<string, number>();
      for (const step of steps) byPhase.set(step.phase, (byPhase.get(step.phase) ?? 0) + ((step.endedAt ?? 0) - step.startedAt));
      const measured = [...byPhase.values()].reduce((a, b) => a + b, 0);
      const parts = [`start-up ${seconds(Math.max(0, wall - measured))}`, ...[...byPhase].map(([phase, ms]) => `${phase} ${seconds(ms)}`)];
      write(`Done in ${seconds(wall)} wall time: ${parts.join(', ')}\n`);
    },
    stop() {
      clearInterval(timer);
      clearStatus();
    },
    around(outer) {
      if (mode !== 'live') return outer;
      const stderr = {
        write: (chunk: string | Uint8Array, ...rest: unknown[]) => {
          clearStatus();
          return (outer.stderr.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
        },
      } as unknown as NodeJS.WritableStream;
      return { stdout: outer.stdout, stderr };
    },
  };
}
