import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { useFileDatabase } from '../support/database';
import { REPO_ROOT } from '../support/run-cli';

const run = promisify(execFile);

/**
 * tenantseed as a user gets it: `npm pack`, the tarball installed into an empty project, then
 * `npx tenantseed init` and `npx tenantseed reset --env development` there, and Knex's CLI
 * through a one-line knexfile.
 */
describe('the packed package in an empty project', () => {
  const db = useFileDatabase();

  it('installs, scaffolds a project with init, and resets it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-pack-'));
    // dist/ is built by `pretest`; --ignore-scripts keeps pack from rebuilding it under running tests.
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: REPO_ROOT });
    const tarball = path.join(dir, packed.stdout.trim().split('\n').pop()!);
    const app = path.join(dir, 'app');
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, maxBuffer: 16 << 20 });
    const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: db.target.url };
    delete env.TENANTSEED_CONFIG;
    const init = await run('npx', ['tenantseed', 'init'], { cwd: app, env });
    expect(init.stdout).toMatch(/wrote tenantseed\.config\.json/);
    const config = JSON.parse(fs.readFileSync(path.join(app, 'tenantseed.config.json'), 'utf8'));
    expect(fs.existsSync(path.resolve(app, config.$schema))).toBe(true);
    const reset = await run('npx', ['tenantseed', 'reset', '--env', 'development'], { cwd: app, env });
    expect(reset.stderr).toMatch(/Project: .*app\/tenantseed\.config\.json/);
    expect(reset.stdout).toMatch(/Validation passed: 7 checks passed\./);
    // Knex's own CLI, through the documented one-line knexfile, sees the same migrations.
    fs.writeFileSync(path.join(app, 'knexfile.js'), "module.exports = require('tenantseed').knexConfig;\n");
    const knex = await run('npx', ['knex', 'migrate:status'], { cwd: app, env });
    expect(knex.stdout).toMatch(/20260101000200_citus_ready_user_references\nNo Pending Migration files Found/);
    // The testing API is a package path of its own, with its types.
    const testing = await run('node', ['-e', "const t = require('tenantseed/testing'); console.log(typeof t.createTestDatabase, typeof t.jestGlobalSetup)"], { cwd: app, env });
    expect(testing.stdout.trim()).toBe('function function');
    expect(fs.existsSync(path.join(app, 'node_modules', 'tenantseed', 'dist', 'src', 'testing', 'index.d.ts'))).toBe(true);
    // init refuses to overwrite what it wrote, and writes nothing.
    await expect(run('npx', ['tenantseed', 'init'], { cwd: app, env })).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/init would overwrite 17 file\(s\)/) });
  }, 300_000);
});
