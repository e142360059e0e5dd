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
    const keys = await db.knex('tenant_api_keys').select('prefix', 'key_hash');
    for (const key of keys) {
      expect(key.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(key.key_hash.startsWith(key.prefix)).toBe(false);
    }
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
