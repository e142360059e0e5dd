import fc from 'fast-check';
import { Writable } from 'node:stream';
import { describeDatabase, redactSecrets, resolveDatabaseSource } from '../../../src/config';
import { toDatabaseError } from '../../../src/db';
import { printError } from '../../../src/cli/output';
import { runCli } from '../../support/run-cli';

/**
 * No password is ever printed, whatever its characters and whatever form of connection string
 * carries it. Passwords are runs of distinctive tokens joined by the characters that broke the
 * old redaction (`/ @ % : ? #`, quotes, spaces, `=` and `&`): a token found in any output is a
 * leak, whole or partial. A fixed number of cases runs in `npm test`; to replay a failure or run
 * more (fast-check prints the seed):
 *
 *   TENANTSEED_PROPERTY_SEED=<seed> TENANTSEED_PROPERTY_RUNS=500 npx jest test/unit/config/password-redaction.test.ts
 *   npm run test:properties -- --seed <seed> --runs 500
 */
const SEED = Number(process.env.TENANTSEED_PROPERTY_SEED ?? 20261205);
const RUNS = Number(process.env.TENANTSEED_PROPERTY_RUNS ?? 200);
const REPLAY = `TENANTSEED_PROPERTY_SEED=${SEED} npx jest test/unit/config/password-redaction.test.ts --selectProjects unit`;

const token = fc.stringMatching(/^[a-z][a-z0-9]{6}$/).map((t) => `Q${t}`);
const separator = fc.constantFrom('/', '@', '%', ':', '?', '#', '&', '=', "'", '\\', ' ', '%2F', '%4', '@@', '//', ':@/');
const password = fc.tuple(token, fc.array(fc.tuple(separator, token), { minLength: 1, maxLength: 3 }), fc.boolean(), separator)
  .map(([first, rest, trailing, last]) => ({
    text: first + rest.map(([s, t]) => s + t).join('') + (trailing ? last : ''),
    tokens: [first, ...rest.map(([, t]) => t)],
  }));

const quoteKeyValue = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
/** Every form a password reaches us in, all pointing at nothing that answers. */
const FORMS: Record<string, (pw: string) => string> = {
  'raw URL': (pw) => `postgres://app:${pw}@127.0.0.1:1/app`,
  'encoded URL': (pw) => `postgresql://app:${encodeURIComponent(pw)}@127.0.0.1:1/app`,
  'raw URL, socket host': (pw) => `postgres://app:${pw}@/app?host=/nonexistent-socket-dir`,
  'encoded URL, socket host': (pw) => `postgres://app:${encodeURIComponent(pw)}@/app?host=/nonexistent-socket-dir`,
  'URL, password in the query': (pw) => `postgres://app@127.0.0.1:1/app?password=${encodeURIComponent(pw)}&sslmode=disable`,
  'key=value': (pw) => `host=127.0.0.1 port=1 user=app password=${quoteKeyValue(pw)} dbname=app`,
};

function capture(): { io: { stdout: Writable; stderr: Writable }; text: () => string } {
  let text = '';
  const sink = new Writable({ write(chunk, _enc, done) { text += chunk.toString(); done(); } });
  return { io: { stdout: sink, stderr: sink }, text: () => text };
}

/** What a user sees for this connection string, on each path short of a live server. */
function unitOutput(connection: string): string {
  const out = capture();
  for (const options of [{ databaseUrl: connection, env: {} }, { env: { DATABASE_URL: connection } }]) {
    try {
      const source = resolveDatabaseSource(options);
      if (source.kind !== 'url') throw new Error('expected a URL source');
      out.io.stderr.write(`Database: ${describeDatabase(source.target)}\n`);
      for (const code of ['ECONNREFUSED', '57P01', '28P01', '3D000']) {
        printError(out.io, toDatabaseError(Object.assign(new Error(`pg said ${code}`), { code }), source.target));
      }
    } catch (err) {
      printError(out.io, err);
    }
  }
  return out.text();
}

const leaked = (output: string, tokens: string[]) => tokens.filter((t) => output.includes(t));

describe('passwords are never printed', () => {
  it.each(Object.keys(FORMS))('%s: not in the errors of --database-url and DATABASE_URL (parse, connect, login)', (form) => {
    fc.assert(fc.property(password, (pw) => {
      const output = unitOutput(FORMS[form](pw.text));
      if (leaked(output, pw.tokens).length > 0) throw new Error(`leaked ${leaked(output, pw.tokens).join(', ')} in:\n${output}\nreplay: ${REPLAY}`);
    }), { seed: SEED, numRuns: RUNS });
  });

  it('redactSecrets masks a known password in any text, raw or encoded', () => {
    fc.assert(fc.property(password, fc.string(), (pw, around) => {
      const text = `${around}${pw.text} and ${encodeURIComponent(pw.text)}${around}`;
      expect(leaked(redactSecrets(text, [pw.text]), pw.tokens)).toEqual([]);
    }), { seed: SEED, numRuns: RUNS });
  });

  it('leaves the USER:PASSWORD placeholder of a hint as written, and masks an upper-case scheme\'s password', () => {
    expect(redactSecrets('Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.')).toBe('Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.');
    expect(redactSecrets('POSTGRES://app:Qsecret1@db/app')).toBe('POSTGRES://app:***@db/app');
    expect(redactSecrets('postgres://app:password@db/app')).toBe('postgres://app:***@db/app');
  });

  it('is so through the CLI: several commands, --database-url and DATABASE_URL, every form', async () => {
    const commands = [['validate'], ['seed', '--env', 'test'], ['migrate', 'latest'], ['test-db', 'prune'], ['status']];
    const passwords = fc.sample(password, { seed: SEED, numRuns: 2 });
    const runs: Array<{ args: string[]; env: Record<string, string>; tokens: string[] }> = [];
    passwords.forEach((pw, i) => Object.values(FORMS).forEach((form, j) => {
      const command = commands[(i + j) % commands.length];
      // Each form through both paths across the two passwords; the commands take turns.
      if ((i + j) % 2 === 0) runs.push({ args: ['--database-url', form(pw.text), ...command], env: { CI: 'true' }, tokens: pw.tokens });
      else runs.push({ args: command, env: { CI: 'true', DATABASE_URL: form(pw.text) }, tokens: pw.tokens });
    }));
    for (let i = 0; i < runs.length; i += 4) {
      const batch = runs.slice(i, i + 4);
      const results = await Promise.all(batch.map((r) => runCli(r.args, { env: r.env, timeoutMs: 30_000 })));
      results.forEach((result, k) => {
        const output = result.stdout + result.stderr;
        expect(result.code).not.toBe(0);
        expect({ args: batch[k].args, env: batch[k].env.DATABASE_URL ? 'DATABASE_URL' : '--database-url', leaked: leaked(output, batch[k].tokens), replay: REPLAY })
          .toEqual({ args: batch[k].args, env: batch[k].env.DATABASE_URL ? 'DATABASE_URL' : '--database-url', leaked: [], replay: REPLAY });
      });
    }
  }, 180_000);
});
