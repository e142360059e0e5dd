import { SingleBar } from 'cli-progress';
import type { Progress } from '../load';
import type { CliIO } from './output';

/**
 * A progress bar on stderr (rows, rows/s) for long work, or nothing when stderr is not a
 * terminal or the output is for machines.
 */
export function progressReporter(io: CliIO, enabled: boolean): { update(p: Progress): void; stop(): void } {
  const stream = io.stderr as NodeJS.WriteStream;
  if (!enabled || !stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream,
    format: '{table} [{bar}] {percentage}% | {value}/{total} rows | {speed} rows/s',
    hideCursor: true,
    clearOnComplete: true,
  });
  const started = Date.now();
  let running = false;
  return {
    update(p) {
      const speed = Math.round(p.rowsDone / Math.max(0.001, (Date.now() - started) / 1000));
      if (!running) {
        bar.start(p.totalRows, p.rowsDone, { table: p.table.padEnd(20), speed });
        running = true;
      } else bar.update(p.rowsDone, { table: p.table.padEnd(20), speed });
    },
    stop() {
      if (running) bar.stop();
    },
  };
}
