import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { useFileDatabase } from '../support/database';
import { REPO_ROOT } from '../support/run-cli';
import { RUNNER_FILES, writeJestProject, writeTypedUse, writeVitestProject } from '../support/test-runner-projects';

const run = promisify(execFile);
const bin = (name: string) => path.join(REPO_ROOT, 'node_modules', '.bin', name);

/**
 * The testing API as a user gets it (`npm pack`, installed into an empty project): a jest and a
 * Vitest project of 12 files each on 4 workers pass without a forced worker exit, `tenantseed
 * types` output types the fixtures and `db.make` under `tsc --strict`. The runners and tsc come
 * from this repository's node_modules (not installed again).
 */
describe('the testing API under jest and Vitest, from the packed package', () => {
  const db = useFileDatabase();

  it('runs a jest and a Vitest project of 12 files on 4 workers, typed under tsc --strict', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-runners-'));
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT });
    const tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, maxBuffer: 16 << 20 });
    // The server of this file's database, which the runners' globalSetup is handed.
    const server = new URL(db.target.url);
    server.pathname = '/postgres';
    const env: NodeJS.ProcessEnv = { ...process.env, TEST_DATABASE_URL: server.toString() };
    for (const name of ['TENANTSEED_CONFIG', 'TENANTSEED_TEST_SERVER_URL', 'JEST_WORKER_ID']) delete env[name];

    await run('npx', ['tenantseed', 'types', '--out', 'tables.ts'], { cwd: app, env });
    writeTypedUse(app);
    await run(bin('tsc'), ['--strict', '--noEmit', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022',
      '--typeRoots', path.join(REPO_ROOT, 'node_modules', '@types'), '--types', 'node', 'typed-use.ts'], { cwd: app, env });

    writeJestProject(path.join(app, 'jest-project'));
    const jest = await run('node', [path.join(REPO_ROOT, 'node_modules', 'jest', 'bin', 'jest.js'), '--rootDir', 'jest-project', '--ci'], { cwd: app, env, maxBuffer: 16 << 20 });
    const jestOut = jest.stdout + jest.stderr;
    expect(jestOut).toMatch(new RegExp(`Tests:\\s+${RUNNER_FILES} passed, ${RUNNER_FILES} total`));
    expect(jestOut).not.toMatch(/force exited|failed to exit gracefully/);

    writeVitestProject(path.join(app, 'vitest-project'));
    const vitest = await run(bin('vitest'), ['run', '--root', 'vitest-project'], { cwd: app, env: { ...env, CI: 'true' }, maxBuffer: 16 << 20 });
    // Vitest colours its summary even with CI=true: read it without the escape codes.
    const vitestOut = (vitest.stdout + vitest.stderr).replace(/\x1b\[[0-9;]*m/g, '');
    expect(vitestOut).toMatch(new RegExp(`Test Files\\s+${RUNNER_FILES} passed \\(${RUNNER_FILES}\\)`));
    expect(vitestOut).not.toMatch(/force exited|close timed out|hanging/i);
  }, 900_000);
});
