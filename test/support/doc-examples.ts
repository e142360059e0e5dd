import fs from 'node:fs';
import path from 'node:path';

/** The info string of a fenced block that the doc-example test runs: ```console doctest. */
export const DOCTEST_MARKER = /^```console doctest\s*$/;

/** One command of a runnable example and the output shown under it. */
export interface ExampleCommand {
  readonly command: string;
  readonly output: string;
}

/** A runnable example: the commands of one fenced block, run in order in one fresh folder. */
export interface DocExample {
  readonly file: string;
  readonly line: number;
  readonly commands: readonly ExampleCommand[];
}

/** The runnable examples of a Markdown file: `$ command` lines, each followed by its output up to the next `$` line. */
export function docExamples(file: string): DocExample[] {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const examples: DocExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!DOCTEST_MARKER.test(lines[i])) continue;
    const start = i + 1;
    const commands: Array<{ command: string; output: string[] }> = [];
    for (i = start; i < lines.length && !lines[i].startsWith('```'); i++) {
      if (lines[i].startsWith('$ ')) commands.push({ command: lines[i].slice(2), output: [] });
      else if (commands.length > 0) commands[commands.length - 1].output.push(lines[i]);
    }
    examples.push({ file, line: start, commands: commands.map((c) => ({ command: c.command, output: trimBlankEnd(c.output).join('\n') })) });
  }
  return examples;
}

function trimBlankEnd(lines: string[]): string[] {
  const out = [...lines];
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out;
}

/**
 * Output with what differs from run to run replaced by its kind, where it has that kind's
 * shape: times ("0.5 s"), rates, ports, temporary folders and fingerprints. Anything else,
 * counts, names, messages, must be as shown.
 */
export function normalizeOutput(text: string, folder?: string): string {
  let out = text;
  if (folder) out = out.split(folder).join('/tmp/<folder>');
  return out
    // Only as root (a container): the embedded server then runs as the system user postgres.
    .replace(/^The system user "postgres" cannot reach .*\n/m, '')
    // The periodic progress line of a log comes every 10 s: how many depends on the machine.
    .replace(/^ {2}(connect|migrate|legacy rows|load|keys|validation|generate)\b[^:\n]*: .*\n/gm, '')
    .replace(/(\/tmp\/|\.tenantseed\/)[^\s,;)]*/g, '<path>')
    .replace(/(postgres(?:ql)?:\/\/[^:@\s]+:)[^@\s]+@/g, '$1<password>@')
    .replace(/sha256:[0-9a-f]{64}/g, '<fingerprint>')
    .replace(/sha256:[0-9a-f]{12}…/g, '<fingerprint>…')
    .replace(/(127\.0\.0\.1|localhost):\d{2,5}/g, '$1:<port>')
    .replace(/\b\d+\.\d+ s\b/g, '<time> s')
    .replace(/\b\d[\d,]* rows\/s\b/g, '<rate> rows/s')
    .split('\n').map((l) => l.replace(/\s+$/, '')).join('\n')
    .trimEnd();
}

/** The Markdown files whose examples are run: README.md and docs/*.md. */
export function documentationFiles(root: string): string[] {
  const docs = path.join(root, 'docs');
  return [path.join(root, 'README.md'), ...fs.readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => path.join(docs, f))];
}
