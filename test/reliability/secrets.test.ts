import { createHash } from 'node:crypto';
import { useFileDatabase } from '../support/database';
import { editedProfile } from '../support/datasets';
import { runCli } from '../support/run-cli';

describe('secrets', () => {
  const db = useFileDatabase();

  it('keeps passwords and API keys only as hashes in the database', async () => {
    const run = await runCli(['--database-url', db.target.url, 'reset', '--env', 'test'], { env: { CI: 'true' } });
    expect(run.code).toBe(0);
    const dump = JSON.stringify(await db.knex.raw(`SELECT * FROM users`).then((r) => r.rows))
      + JSON.stringify(await db.knex.raw(`SELECT * FROM tenant_api_keys`).then((r) => r.rows));
    for (const plaintext of ['acme-admin-password', 'globex-admin-password', 'test-password-1', 'test-password-2']) expect(dump).not.toContain(plaintext);
    // The plaintext key of acme's first API key, made as the generator makes it (seed 42 of the
    // test profile): the database holds its prefix and its SHA-256, never the key itself.
    const secret = createHash('sha256').update(`42\0tenant_api_keys\0acme\0${0}\0api-key`).digest('hex');
    const prefix = `ts_${(0).toString(36).padStart(4, '0')}${secret.slice(0, 4)}`;
    const plaintext = prefix + secret.slice(4, 44);
    const acme = (await db.knex('tenants').where({ slug: 'acme' }).first('id')).id;
    const stored = await db.knex('tenant_api_keys').where({ tenant_id: acme, prefix }).first('key_hash');
    expect(stored).toBeDefined();
    expect(stored.key_hash).toBe(createHash('sha256').update(plaintext).digest('hex'));
    const everything = JSON.stringify(await db.knex.raw(`SELECT to_jsonb(k) AS k FROM tenant_api_keys k`).then((r) => r.rows));
    expect(everything).toContain(prefix);
    expect(everything).not.toContain(plaintext);
    expect(everything).not.toContain(secret.slice(4, 44));
  });

  it('prints plaintext development logins only for unprotected environments', async () => {
    const { directory } = editedProfile('staging', (p) => { p.tenants.named[0].rows.users[0].password = 'staging-secret-admin'; });
    const run = await runCli(['--database-url', db.target.url, 'reset', '--env', 'staging', '--tenants', '3', '--yes', '--environments', directory], { env: { CI: 'true' } });
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('staging-secret-admin');
    expect(run.stdout).not.toMatch(/Development logins/);
    const json = await runCli(['--database-url', db.target.url, 'seed', '--env', 'staging', '--tenants', '3', '--yes', '--environments', directory, '--json'], { env: { CI: 'true' } });
    expect(JSON.parse(json.stdout).logins).toEqual([]);
  });
});
