import { migrate } from '../../src/db';
import { useFileDatabase } from '../support/database';
import { hasStackTrace, runCli } from '../support/run-cli';
import { schemaSnapshot } from '../support/schema-snapshot';

/**
 * Issue 31, "nothing foreign lost": reset replaces what the project's migrations made (recorded
 * when they ran) and refuses, listing them, to drop objects someone else added, even on a
 * database stamped with the unprotected environment it resets.
 */
describe('reset and objects the migrations did not make', () => {
  const db = useFileDatabase();
  const cli = (args: string[]) => runCli(['--database-url', db.target.url, ...args], { env: { CI: 'true' } });
  const objects = async () => (await db.knex.raw(
    `SELECT c.relkind::text || ' ' || c.relname AS o FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 1`,
  )).rows.map((r: { o: string }) => r.o);

  it('refuses to reset a development-stamped database holding a developer\'s table and view, listing them; --yes drops them and says so', async () => {
    const first = await cli(['reset', '--env', 'development', '--tenants', '2', '--yes']);
    expect(first.code).toBe(0);

    await db.knex.raw(`CREATE TABLE public.dev_notes (id int PRIMARY KEY, note text);
      INSERT INTO public.dev_notes SELECT g, 'note ' || g FROM generate_series(1, 500) g;
      CREATE VIEW public.dev_recent AS SELECT * FROM public.dev_notes WHERE id > 490`);
    const schema = await schemaSnapshot(db.knex);
    const before = await objects();
    const users = (await db.knex('users').count({ n: '*' }))[0].n;

    const refused = await cli(['reset', '--env', 'development']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/Refusing to reset: the database \S+ holds objects that the project's migrations did not make/);
    expect(refused.stderr).toMatch(/^\s+table public\.dev_notes \(500 rows\)$/m);
    expect(refused.stderr).toMatch(/^\s+view public\.dev_recent$/m);
    expect(refused.stderr).not.toMatch(/^\s+table public\.users/m);
    expect(refused.stderr).toMatch(/Nothing was changed/);
    expect(hasStackTrace(refused.stderr)).toBe(false);
    expect(await schemaSnapshot(db.knex)).toEqual(schema);
    expect(await objects()).toEqual(before);
    expect((await db.knex('dev_notes').count({ n: '*' }))[0].n).toBe(500);
    expect((await db.knex('users').count({ n: '*' }))[0].n).toBe(users);

    const yes = await cli(['reset', '--env', 'development', '--tenants', '2', '--yes', '--json']);
    expect(yes.code).toBe(0);
    expect(yes.stderr).toMatch(/--yes: reset destroys .*2 object\(s\) that the project's migrations did not make/);
    expect(yes.stderr).toMatch(/^\s+table public\.dev_notes \(500 rows\)$/m);
    const summary = JSON.parse(yes.stdout.trim().split('\n').pop()!);
    expect(summary.notices.join('\n')).toMatch(/view public\.dev_recent/);
    expect(await objects()).not.toContain('r dev_notes');
    expect(await objects()).not.toContain('v dev_recent');
    // What reset made is recorded as the migrations': the next reset goes on without asking.
    expect((await cli(['reset', '--env', 'development', '--tenants', '2'])).code).toBe(0);
  }, 240_000);

  it('records what migrate makes, and lists a table added before it as foreign', async () => {
    await db.knex.raw('DROP SCHEMA tenantseed CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public');
    await db.knex.raw('CREATE TABLE public.scratchpad (id int)');
    // (Through the library: without a config the CLI would refuse this database, issue 28.)
    await migrate({ knex: db.knex, action: 'latest', schemas: ['public'] });
    const refused = await cli(['reset', '--env', 'development']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^\s+table public\.scratchpad$/m);
    expect(refused.stderr).not.toMatch(/^\s+table public\.tenants/m);
  });
});
