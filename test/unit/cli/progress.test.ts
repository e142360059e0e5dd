import { PassThrough } from 'node:stream';
import { progressDisplay, progressMode } from '../../../src/cli/progress';

function io(tty: boolean) {
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  stderr.isTTY = tty;
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  return { io: { stdout: new PassThrough(), stderr }, text: () => text };
}

describe('the progress display', () => {
  afterEach(() => jest.useRealTimers());

  it('is a log on a pipe or with CI=true, live on a terminal, and off when quiet', () => {
    expect(progressMode(io(false).io, false, {})).toBe('lines');
    expect(progressMode(io(true).io, false, { CI: 'true' })).toBe('lines');
    expect(progressMode(io(true).io, false, { CI: 'false' })).toBe('live');
    expect(progressMode(io(true).io, true, {})).toBe('off');
  });

  it('gives each table its own total, and an ETA of its own and of the whole plan, in periodic lines', () => {
    jest.useFakeTimers({ now: 0 });
    const out = io(false);
    const display = progressDisplay(out.io, { off: false, planRows: 1_006, env: {}, intervalMs: 1_000 });
    display.update({ phase: 'legacy rows', table: 'projects', rowsDone: 0, totalRows: 6 });
    jest.advanceTimersByTime(500);
    display.update({ phase: 'legacy rows', table: 'projects', rowsDone: 6, totalRows: 6 });
    display.update({ phase: 'load', table: 'documents', rowsDone: 0, totalRows: 1_000 });
    jest.advanceTimersByTime(400);
    display.update({ phase: 'load', table: 'documents', rowsDone: 250, totalRows: 1_000 });
    jest.advanceTimersByTime(200);
    display.stop();
    expect(out.text().split('\n')).toEqual([
      'legacy rows projects: 6 rows in 0.5 s (12 rows/s)',
      // At 1 s: documents 250 rows in 0.5 s, 750 to go at 500 rows/s; the plan's 1,006 rows, 256 done in 1 s.
      '  load documents: 250 of 1,000 rows (25%), 500 rows/s, ETA 2 s; all 1,006 rows ETA 3 s',
      '',
    ]);
  });

  it('prints nothing when off, and no total on failure', () => {
    const quiet = io(false);
    const off = progressDisplay(quiet.io, { off: true, planRows: 10, env: {} });
    off.update({ phase: 'connect', rowsDone: 0, totalRows: 0 });
    off.finish();
    expect(quiet.text()).toBe('');
    const failing = io(false);
    const display = progressDisplay(failing.io, { off: false, planRows: 10, env: {} });
    display.update({ phase: 'migrate', rowsDone: 0, totalRows: 0 });
    display.stop();
    expect(failing.text()).toBe('');
  });
});
