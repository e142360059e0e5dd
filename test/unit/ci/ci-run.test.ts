import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `.ci/run`'s failure path, cheaply: npm, npx and apt-get are stand-ins on PATH (npm ci and npm
 * test do nothing but leave a trace, npm pack fails as an unreachable registry does), and the
 * Citus folder is one whose install.sh fails. CI must then fail before any test, naming each
 * suite that could not run, unless TENANTSEED_CI_ALLOW_NOT_RUN lists it.
 */
const SCRIPT = path.resolve(__dirname, '../../../.ci/run');

function fakeWorld(): { dir: string; env: NodeJS.ProcessEnv; ran: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-ci-run-'));
  const bin = path.join(dir, 'bin');
  const citus = path.join(dir, 'citus');
  const ran = path.join(dir, 'ran');
  fs.mkdirSync(bin);
  fs.mkdirSync(citus);
  const script = (file: string, body: string) => fs.writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`, { mode: 0o755 });
  script(path.join(bin, 'npm'), `case "$1" in pack) exit 1 ;; test) echo "npm test" >> ${JSON.stringify(ran)} ;; esac\nexit 0`);
  script(path.join(bin, 'npx'), `echo "npx $*" >> ${JSON.stringify(ran)}\nexit 0`);
  script(path.join(bin, 'apt-get'), 'exit 1');
  script(path.join(citus, 'install.sh'), 'echo "install failed" >&2; exit 1');
  script(path.join(citus, 'cluster.sh'), 'exit 1');
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, TENANTSEED_CITUS_DIR: citus };
  delete env.TENANTSEED_CI_ALLOW_NOT_RUN;
  return { dir, env, ran };
}

const asRoot = process.getuid?.() === 0 && fs.existsSync('/usr/lib/postgresql/15/bin/postgres');

describe('.ci/run', () => {
  it('fails before the tests, naming each suite that could not run, when installs and fetches fail', () => {
    const world = fakeWorld();
    try {
      const run = spawnSync('bash', [SCRIPT], { env: world.env, encoding: 'utf8', timeout: 120_000 });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/a suite could not run/);
      if (asRoot) expect(run.stderr).toMatch(/citus: the Citus suite in test\/citus \(install\.sh failed three times\)/);
      expect(run.stdout.match(/install\.sh failed \(attempt \d of 3\)/g) ?? []).toHaveLength(asRoot ? 3 : 0);
      expect(run.stderr).toMatch(/nodes: the determinism comparison with Node 22/);
      expect(run.stderr).toMatch(/nodes: the determinism comparison with Node 24/);
      expect(run.stderr).toMatch(/TENANTSEED_CI_ALLOW_NOT_RUN=\S*nodes/);
      expect(fs.existsSync(world.ran)).toBe(false);
    } finally {
      fs.rmSync(world.dir, { recursive: true, force: true });
    }
  });

  it('runs the tests without those suites only when TENANTSEED_CI_ALLOW_NOT_RUN names them all', () => {
    const world = fakeWorld();
    try {
      const partly = spawnSync('bash', [SCRIPT], { env: { ...world.env, TENANTSEED_CI_ALLOW_NOT_RUN: 'nodes' }, encoding: 'utf8', timeout: 120_000 });
      if (asRoot) {
        expect(partly.status).toBe(1);
        expect(partly.stderr).toMatch(/citus:/);
        expect(partly.stderr).not.toMatch(/nodes:/);
        expect(fs.existsSync(world.ran)).toBe(false);
      }
      const run = spawnSync('bash', [SCRIPT], { env: { ...world.env, TENANTSEED_CI_ALLOW_NOT_RUN: 'citus,nodes,tools' }, encoding: 'utf8', timeout: 120_000 });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/allowed by TENANTSEED_CI_ALLOW_NOT_RUN: the determinism comparison with Node 22/);
      expect(fs.readFileSync(world.ran, 'utf8')).toMatch(/^npm test$/m);
    } finally {
      fs.rmSync(world.dir, { recursive: true, force: true });
    }
  });

  it('never sets TENANTSEED_CI_ALLOW_NOT_RUN itself', () => {
    // Every line but comments and messages.
    const text = fs.readFileSync(SCRIPT, 'utf8').split('\n').filter((l) => !/^\s*#/.test(l) && !/\becho\b/.test(l)).join('\n');
    expect(text).not.toMatch(/(^|[\s;])(export\s+)?TENANTSEED_CI_ALLOW_NOT_RUN=/m);
  });
});
