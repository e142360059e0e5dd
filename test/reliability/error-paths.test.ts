import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { SHIPPED_DEFINITIONS, SHIPPED_ENVIRONMENTS } from '../support/datasets';
import { closedPort, FakePostgresMode, startFakePostgres } from '../support/fake-postgres';
import { CLI, CliRun, hasStackTrace, runCli } from '../support/run-cli';

/**
 * What a user sees when something goes wrong around the data rather than in it: files that are
 * not what they seem, inputs far too long, a database that is not migrated or not reachable.
 * Each case spawns the real command and checks its exit code (DESIGN.md: 1 failed, 2 bad
 * input), the message, and that no stack trace is printed.
 */

const SECRET = 'root:$6$Zq9sEcReT0nly$hunter2hunter2:20200:0:99999:7:::';

function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `tenantseed-${prefix}-`));
}

/** A copy of the shipped folder in which `file` is a symbolic link to a file holding a secret-looking line. */
function folderWithLinkToSecret(shipped: string, file: string): { dir: string; target: string } {
  const dir = tempDir('linked');
  for (const name of fs.readdirSync(shipped)) fs.copyFileSync(path.join(shipped, name), path.join(dir, name));
  const target = path.join(tempDir('secret'), 'shadow');
  fs.writeFileSync(target, `${SECRET}\ndaemon:*:20200:0:99999:7:::\n`);
  fs.rmSync(path.join(dir, file));
  fs.symlinkSync(target, path.join(dir, file));
  return { dir, target };
}

function expectCleanFailure(run: CliRun, code: number): void {
  expect(run.code).toBe(code);
  expect(hasStackTrace(run.stderr)).toBe(false);
  expect(run.stderr).not.toMatch(/unexpected error/);
}

describe('files that are not what they seem: the error names the file, never its contents', () => {
  it('refuses a profile that links to a file of secrets, naming the link and not printing a character of the secret', async () => {
    const { dir, target } = folderWithLinkToSecret(SHIPPED_ENVIRONMENTS, 'test.json');
    const run = await runCli(['generate', '--env', 'test', '--environments', dir, '--out', path.join(tempDir('out'), 'x')]);
    expectCleanFailure(run, 2);
    expect(run.stderr).toContain(path.join(dir, 'test.json'));
    expect(run.stderr).toContain(`a symbolic link to ${target}`);
    expect(run.stderr).toMatch(/is not valid JSON at line 1, column 1/);
    for (const piece of ['root:', 'hunter2', 'Zq9s', '20200', 'daemon']) expect(`${run.stdout}${run.stderr}`).not.toContain(piece);
  });

  it('refuses a definition that links to a file of secrets the same way', async () => {
    const { dir } = folderWithLinkToSecret(SHIPPED_DEFINITIONS, 'users.json');
    const run = await runCli(['generate', '--env', 'test', '--definitions', dir, '--out', path.join(tempDir('out'), 'x')]);
    expectCleanFailure(run, 2);
    expect(run.stderr).toContain(path.join(dir, 'users.json'));
    for (const piece of ['root:', 'hunter2', 'Zq9s', '20200']) expect(`${run.stdout}${run.stderr}`).not.toContain(piece);
  });

  it('never quotes the text of an unparsable profile, wherever the syntax breaks', async () => {
    const dir = tempDir('bad-json');
    for (const name of fs.readdirSync(SHIPPED_ENVIRONMENTS)) fs.copyFileSync(path.join(SHIPPED_ENVIRONMENTS, name), path.join(dir, name));
    const texts: Array<[string, RegExp]> = [
      [`{"seed": 1, "token": "${SECRET}" oops}`, /line 1, column \d+: a missing "," or "}"/],
      [`{\n  "seed": 1,\n  "apiKey": ${SECRET}\n}`, /line 3, column 13: an unexpected character/],
      [`{"seed": "${SECRET}`, /a string that never ends/],
    ];
    for (const [text, where] of texts) {
      fs.writeFileSync(path.join(dir, 'test.json'), text);
      const run = await runCli(['generate', '--env', 'test', '--environments', dir, '--out', path.join(tempDir('out'), 'x')]);
      expectCleanFailure(run, 2);
      expect(run.stderr).toMatch(where);
      for (const piece of ['hunter2', 'Zq9s']) expect(`${run.stdout}${run.stderr}`).not.toContain(piece);
    }
  });

  it('refuses a config file that links to a file of secrets without printing it', async () => {
    const dir = tempDir('config');
    const target = path.join(tempDir('secret'), 'shadow');
    fs.writeFileSync(target, `${SECRET}\n`);
    fs.symlinkSync(target, path.join(dir, 'tenantseed.config.json'));
    const run = await runCli(['generate', '--env', 'test', '--out', path.join(dir, 'out')], { cwd: dir });
    expectCleanFailure(run, 2);
    expect(run.stderr).toContain('tenantseed.config.json is not valid JSON');
    for (const piece of ['root:', 'hunter2', 'Zq9s']) expect(`${run.stdout}${run.stderr}`).not.toContain(piece);
  });
});

describe('long inputs are cut in messages', () => {
  const db = useFileDatabase();
  const long = 'a'.repeat(10_240);

  it.each([
    ['--slug', () => ['--database-url', db.target.url, 'tenant', 'add', '--env', 'test', '--slug', long, '--name', 'Long'], 2],
    ['--env', () => ['generate', '--env', long, '--out', '/tmp/never'], 2],
    ['--seed', () => ['generate', '--env', 'test', '--seed', long, '--out', '/tmp/never'], 2],
    ['an unknown flag', () => ['generate', '--env', 'test', `--${long}`, '1', '--out', '/tmp/never'], 2],
  ] as Array<[string, () => string[], number]>)('cuts a 10 kB %s', async (_label, args, code) => {
    const run = await runCli(args());
    expectCleanFailure(run, code);
    expect(run.stderr).toMatch(/\(1024[02] characters\)/); // the flag's dashes may be counted
    expect(run.stderr).not.toContain('a'.repeat(201));
    expect(run.stderr.length).toBeLessThan(4000);
  });
});

describe('validate on a database that is not migrated', () => {
  const db = useFileDatabase();

  it('fails (exit 1) naming the missing tables and what to run, with no SQL', async () => {
    const run = await runCli(['--database-url', db.target.url, 'validate', '--env', 'test']);
    expectCleanFailure(run, 1);
    expect(run.stderr).toMatch(/error: The database is not migrated: none of the \d+ tables the definitions name exists/);
    expect(run.stderr).toContain('tenants');
    expect(run.stderr).toMatch(/hint: .*tenantseed migrate latest/);
    expect(run.stderr).not.toMatch(/SELECT|relation "/);
  });

  it('names the tables a partly migrated database lacks', async () => {
    await db.knex.raw('CREATE TABLE tenants (id uuid PRIMARY KEY)');
    try {
      const run = await runCli(['--database-url', db.target.url, 'validate', '--env', 'test']);
      expectCleanFailure(run, 1);
      expect(run.stderr).toMatch(/error: The database lacks \d+ of the \d+ tables the definitions name, in the schemas public: .*users/);
      expect(run.stderr).not.toMatch(/error: .*\btenants\b.*\n/);
      expect(run.stderr).not.toMatch(/SELECT|relation "/);
    } finally {
      await db.knex.raw('DROP TABLE tenants');
    }
  });
});

describe('connection errors say which they are', () => {
  const validate = (url: string) => runCli(['--database-url', url, 'validate', '--env', 'test']);
  const withFake = async (mode: FakePostgresMode, body: (fake: Awaited<ReturnType<typeof startFakePostgres>>) => Promise<void>) => {
    const fake = await startFakePostgres(mode);
    try {
      await body(fake);
    } finally {
      await fake.close();
    }
  };
  const notLost = (run: CliRun) => {
    expect(run.stderr).not.toMatch(/was lost|Run the command again/);
  };

  it('refused: nothing listens on the port', async () => {
    const run = await validate(`postgres://postgres@127.0.0.1:${await closedPort()}/x`);
    expectCleanFailure(run, 1);
    expect(run.stderr).toMatch(/error: Cannot connect to PostgreSQL at 127\.0\.0\.1:\d+: the connection was refused/);
    notLost(run);
  });

  it('timed out: a server that accepts and never answers', async () => {
    await withFake('silent', async (fake) => {
      const run = await validate(fake.url());
      expectCleanFailure(run, 1);
      expect(run.stderr).toMatch(new RegExp(`error: Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${fake.port}: the connection timed out`));
      notLost(run);
    });
  });

  it('closed during the login: not "lost", and not "run the command again"', async () => {
    await withFake('close', async (fake) => {
      const run = await validate(fake.url());
      expectCleanFailure(run, 1);
      expect(run.stderr).toMatch(/error: Cannot connect to PostgreSQL at .*: the server closed the connection during the login/);
      notLost(run);
    });
  });

  it('authentication: a missing password, not pg\'s raw SASL message', async () => {
    await withFake('scram', async (fake) => {
      const run = await runCli(['--database-url', fake.url(), 'validate', '--env', 'test'], { env: { PGPASSWORD: undefined, PGPASSFILE: '/nonexistent' } });
      expectCleanFailure(run, 1);
      expect(run.stderr).toMatch(/error: PostgreSQL at 127\.0\.0\.1:\d+ asks for a password for "postgres", and none was given \(authentication failed\)/);
      expect(run.stderr).toMatch(/hint: Put the password in the URL/);
      expect(run.stderr).not.toMatch(/SASL|SCRAM-SERVER-FIRST-MESSAGE/);
      notLost(run);
    });
  });

  it('authentication: a wrong password', async () => {
    await withFake('reject-password', async (fake) => {
      const run = await validate(fake.url().replace('postgres@', 'postgres:wrong@'));
      expectCleanFailure(run, 1);
      expect(run.stderr).toMatch(/error: PostgreSQL at 127\.0\.0\.1:\d+ refused the login of "postgres" \(authentication failed\): password authentication failed/);
      expect(run.stderr).not.toContain('wrong');
      notLost(run);
    });
  });

  it.each([['no-tls', /TLS failed \(The server does not support SSL connections\)/], ['bad-tls', /TLS failed/]] as Array<[FakePostgresMode, RegExp]>)(
    'TLS: a server that %s', async (mode, message) => {
      await withFake(mode, async (fake) => {
        const run = await validate(fake.url('sslmode=no-verify'));
        expectCleanFailure(run, 1);
        expect(run.stderr).toMatch(new RegExp(`error: Cannot connect to PostgreSQL at 127\\.0\\.0\\.1:${fake.port}: `));
        expect(run.stderr).toMatch(message);
        expect(run.stderr).toMatch(/hint: Check sslmode in the URL/);
        notLost(run);
      });
    },
  );
});

describe('file-system errors on --out: a message naming the path, exit 1, nothing left behind', () => {
  const base = tempDir('fs');
  const mounted: string[] = [];
  /** Mounts a tmpfs at a new folder of `base`; undefined (with the reason printed) where mounting is impossible. */
  const mountTmpfs = (name: string, options: string): string | undefined => {
    const dir = path.join(base, name);
    fs.mkdirSync(dir, { recursive: true });
    const result = spawnSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { encoding: 'utf8' });
    if (result.status !== 0) {
      // eslint-disable-next-line no-console
      console.warn(`skipped: cannot mount a tmpfs at ${dir} (${(result.stderr || result.error?.message || '').trim()}): run as root to test this`);
      return undefined;
    }
    mounted.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of mounted.reverse()) spawnSync('umount', [dir]);
    fs.rmSync(base, { recursive: true, force: true });
  });
  const leftovers = (dir: string) => fs.readdirSync(dir);

  it('ENOSPC: a full disk', async () => {
    const full = mountTmpfs('full', 'size=64k');
    if (!full) return;
    const run = await runCli(['generate', '--env', 'test', '--out', path.join(full, 'data')]);
    expectCleanFailure(run, 1);
    expect(run.stderr).toContain(`error: Cannot write ${path.join(full, 'data')}: no space left on the device (ENOSPC)`);
    expect(run.stderr).toMatch(/hint: Free some space there/);
    expect(leftovers(full)).toEqual([]);
  });

  it('EROFS: a read-only file system', async () => {
    const ro = mountTmpfs('ro', 'ro');
    if (!ro) return;
    const run = await runCli(['generate', '--env', 'test', '--out', path.join(ro, 'data')]);
    expectCleanFailure(run, 1);
    expect(run.stderr).toContain(`error: Cannot write ${ro} (the folder of --out ${path.join(ro, 'data')}): the file system is read-only (EROFS)`);
    expect(leftovers(ro)).toEqual([]);
  });

  it('EACCES: a folder the user may not write (run as nobody: root may write anywhere)', async () => {
    const parent = path.join(base, 'locked');
    fs.chmodSync(base, 0o755);
    fs.mkdirSync(parent, { mode: 0o755 });
    const run = spawnSync(process.execPath, [CLI, 'generate', '--env', 'test', '--out', path.join(parent, 'data')], {
      uid: 65534, gid: 65534, encoding: 'utf8', env: { ...process.env, HOME: base, DATABASE_URL: undefined },
    });
    if (run.error && (run.error as NodeJS.ErrnoException).code === 'EPERM') {
      // eslint-disable-next-line no-console
      console.warn('skipped: cannot run a process as another user here (not root)');
      return;
    }
    expectCleanFailure({ code: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr }, 1);
    expect(run.stderr).toContain(`error: Cannot write ${parent} (the folder of --out ${path.join(parent, 'data')}): permission denied (EACCES)`);
    expect(leftovers(parent)).toEqual([]);
  });

  it('EXDEV: --out on a mount point works (files are copied across), and no temporary folder stays', async () => {
    const mountPoint = mountTmpfs('mp', 'size=64m');
    if (!mountPoint) return;
    const run = await runCli(['generate', '--env', 'test', '--out', mountPoint, '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(leftovers(mountPoint)).toEqual(expect.arrayContaining(['manifest.json', '03_tenants.csv', 'legacy']));
    expect(leftovers(base).filter((f) => f.includes('.tmp-'))).toEqual([]);
    // And again over its own previous output, as generate allows.
    const again = await runCli(['generate', '--env', 'test', '--out', mountPoint, '--seed', '7']);
    expect(again.code).toBe(0);
    expect(leftovers(base).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('a dataset too large to mean it', () => {
  it('refuses generate --tenants 100000000 before making anything (exit 2), with the estimate and the flag that allows it', async () => {
    const out = path.join(tempDir('large'), 'data');
    const run = await runCli(['generate', '--env', 'test', '--tenants', '100000000', '--out', out], { timeoutMs: 30_000 });
    expectCleanFailure(run, 2);
    expect(run.stderr).toMatch(/error: This dataset would make about [\d,]+ rows for 100,000,000 tenants \(and keep about [\d.]+ GB of tenant list in memory\), more than 50,000,000/);
    expect(run.stderr).toMatch(/hint: .*--allow-large/);
    expect(fs.existsSync(out)).toBe(false);
    expect(fs.readdirSync(path.dirname(out))).toEqual([]);
  });
});
