import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { docExamples, documentationFiles, normalizeOutput } from '../support/doc-examples';
import { CLI, REPO_ROOT } from '../support/run-cli';

/**
 * The console examples of README.md and docs/*.md marked ```console doctest, run as shown: each
 * block in a fresh folder (the embedded server where the example uses it), each `$ npx tenantseed`
 * line through the built CLI with stderr and stdout as a terminal shows them, its output compared
 * with the documented one (times, rates, ports, folders and fingerprints only by their shape).
 */
const examples = documentationFiles(REPO_ROOT).flatMap((file) => docExamples(file));

function run(command: string, cwd: string): string {
  const shell = command.replace(/\bnpx tenantseed\b/g, `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)}`);
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' };
  for (const key of ['DATABASE_URL', 'TENANTSEED_CONFIG', 'CI', 'TEST_DATABASE_URL']) delete env[key];
  const result = spawnSync('sh', ['-c', `exec 2>&1\n${shell}`], { cwd, env, encoding: 'utf8', timeout: 240_000 });
  return result.stdout;
}

describe('the documentation\'s console examples', () => {
  it('has runnable examples to check', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  it.each(examples.map((e) => [`${path.relative(REPO_ROOT, e.file)}:${e.line}`, e] as const))('%s prints what it shows', (_where, example) => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-doc-'));
    try {
      for (const { command, output } of example.commands) {
        expect({ command, output: normalizeOutput(run(command, folder), fs.realpathSync(folder)) })
          .toEqual({ command, output: normalizeOutput(output) });
      }
    } finally {
      // An embedded server an example started (db start) is stopped with the folder.
      if (fs.existsSync(path.join(folder, '.tenantseed'))) run('npx tenantseed db stop', folder);
      fs.rmSync(folder, { recursive: true, force: true });
    }
  }, 300_000);
});
