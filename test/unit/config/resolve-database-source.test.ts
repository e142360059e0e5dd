import path from 'node:path';
import { assertEnvironmentName, describeDatabase, parseDatabaseUrl, redactUrl, resolveDatabaseSource } from '../../../src/config';
import { UsageError } from '../../../src/errors';

describe('resolveDatabaseSource', () => {
  const env = { DATABASE_URL: 'postgres://env@envhost:5433/envdb' };

  it('prefers --database-url over DATABASE_URL', () => {
    const source = resolveDatabaseSource({ databaseUrl: 'postgresql://flag@flaghost/flagdb', env });
    expect(source).toMatchObject({ kind: 'url', origin: '--database-url', target: { host: 'flaghost', port: 5432, database: 'flagdb' } });
  });

  it('uses DATABASE_URL when no flag is given', () => {
    expect(resolveDatabaseSource({ env })).toMatchObject({ kind: 'url', origin: 'DATABASE_URL', target: { host: 'envhost', port: 5433 } });
  });

  it('falls back to the embedded server in .tenantseed/ of the working folder', () => {
    expect(resolveDatabaseSource({ env: {}, cwd: '/srv/app' })).toEqual({ kind: 'embedded', dataDir: path.resolve('/srv/app/.tenantseed') });
  });

  it('treats an empty DATABASE_URL as unset', () => {
    expect(resolveDatabaseSource({ env: { DATABASE_URL: '' }, cwd: '/x' }).kind).toBe('embedded');
  });

  it('refuses a URL that is not postgres:// or postgresql://, naming where it came from', () => {
    expect(() => resolveDatabaseSource({ databaseUrl: 'mysql://root@localhost/db', env })).toThrow(UsageError);
    expect(() => resolveDatabaseSource({ databaseUrl: 'mysql://root@localhost/db', env })).toThrow(/--database-url/);
    expect(() => resolveDatabaseSource({ env: { DATABASE_URL: 'not a url' } })).toThrow(/DATABASE_URL is not a valid URL/);
  });
});

describe('describeDatabase and redactUrl', () => {
  it('never show the password', () => {
    const target = parseDatabaseUrl('postgres://admin:s3cret@db.example:6543/app', 'x');
    expect(describeDatabase(target)).toBe('app on db.example:6543 as admin');
    expect(redactUrl(target.url)).toBe('postgres://admin:***@db.example:6543/app');
  });
});

describe('assertEnvironmentName', () => {
  it.each(['development', 'test', 'staging-eu', 'qa_2'])('accepts %s', (name) => {
    expect(assertEnvironmentName(name)).toBe(name);
  });

  it.each(['', 'Staging', '../prod', 'a/b', 'dev env', 'x'.repeat(64)])('refuses %j', (name) => {
    expect(() => assertEnvironmentName(name)).toThrow(UsageError);
  });
});
