import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { hasStackTrace, REPO_ROOT, runCli } from '../support/run-cli';

/** A team's project (test/fixtures/enpyco) with its JSON config swapped for `config` in `name`, tenantseed "installed" in it. */
function projectWith(name: string, config: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-config-'));
  fs.cpSync(path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco'), dir, { recursive: true });
  fs.rmSync(path.join(dir, 'tenantseed.config.json'));
  fs.writeFileSync(path.join(dir, name), config);
  // As `npm install tenantseed` would: the config imports defineConfig from the package.
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(REPO_ROOT, path.join(dir, 'node_modules', 'tenantseed'), 'dir');
  fs.mkdirSync(path.join(dir, 'src', 'api'), { recursive: true });
  return dir;
}

const TS_CONFIG = `import { defineConfig, type TenantseedConfig } from 'tenantseed';

const folder: string = 'db';
const tenancy: TenantseedConfig['tenancy'] = { setting: 'app.current_company_id', appRole: 'enpyco_app', adminRole: 'enpyco_admin' };

export default defineConfig({
  migrations: \`\${folder}/migrations\`,
  definitions: \`\${folder}/definitions\`,
  environments: \`\${folder}/environments\`,
  tenancy,
});
`;

describe('tenantseed.config.ts, .mjs and .js', () => {
  const db = useFileDatabase();
  const dirs: string[] = [];
  const cli = (args: string[], cwd: string) => runCli(args, { cwd, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('finds a TypeScript config with defineConfig from a folder inside the project, and works with its migrations and tenancy names', async () => {
    const dir = projectWith('tenantseed.config.ts', TS_CONFIG);
    dirs.push(dir);
    const latest = await cli(['migrate', 'latest'], path.join(dir, 'src', 'api'));
    expect(latest.stderr).toContain(`Project: ${path.join(fs.realpathSync(dir), 'tenantseed.config.ts')}`);
    expect(latest.code).toBe(0);
    expect(latest.stdout).toMatch(/20250102000000_multi_tenant_schema/);
    expect((await db.knex.raw(`SELECT to_regclass('companies') AS c`)).rows[0].c).toBe('companies');
    // The config's tenancy names, not the defaults: validate proves isolation as enpyco_app.
    const envs = fs.readdirSync(path.join(dir, 'db', 'environments')).map((f) => f.replace(/\.json$/, ''));
    const env = envs.includes('test') ? 'test' : envs[0];
    const reset = await cli(['reset', '--env', env, '--yes', '--quiet'], path.join(dir, 'src', 'api'));
    expect(reset.stderr).not.toMatch(/^error/m);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toMatch(/isolation .* as enpyco_app/);
  });

  it('reads a .mjs config the same way, and refuses a bad key in it naming the file (exit 2)', async () => {
    const good = projectWith('tenantseed.config.mjs', "export default { definitions: 'db/definitions', environments: 'db/environments', migrations: 'db/migrations' };\n");
    const bad = projectWith('tenantseed.config.js', "module.exports = { definitions: 'db/definitions', environments: 'db/environments', migration: 'db/migrations' };\n");
    dirs.push(good, bad);
    const status = await cli(['migrate', 'status'], good);
    expect(status.stderr).toContain('tenantseed.config.mjs');
    expect(status.code).toBe(0);
    const refused = await cli(['migrate', 'status'], bad);
    expect(refused.stderr).toMatch(/^error: .*tenantseed\.config\.js: unknown key "migration"$/m);
    expect(refused.code).toBe(2);
    expect(hasStackTrace(refused.stderr)).toBe(false);
  });

  it('refuses a folder with two config files, naming both (exit 2), and a config that does not load', async () => {
    const two = projectWith('tenantseed.config.ts', TS_CONFIG);
    fs.copyFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'enpyco', 'tenantseed.config.json'), path.join(two, 'tenantseed.config.json'));
    const broken = projectWith('tenantseed.config.ts', "import { defineConfig } from 'tenantseed';\nexport default defineConfig({ definitions: 'db/definitions', environments: oops });\n");
    dirs.push(two, broken);
    const refused = await cli(['migrate', 'status'], two);
    expect(refused.stderr).toMatch(/^error: .* holds 2 config files: tenantseed\.config\.ts, tenantseed\.config\.json$/m);
    expect(refused.code).toBe(2);
    const failed = await cli(['migrate', 'status'], broken);
    expect(failed.stderr).toMatch(/^error: .*tenantseed\.config\.ts failed to load: .*oops/m);
    expect(failed.code).toBe(2);
    expect(hasStackTrace(failed.stderr)).toBe(false);
  });
});
