import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * `tenantseed introspect` run again after the team's next migration: it merges into the files
 * it drafted before (their snapshot in .tenantseed/draft is the base), so a hand edit is kept,
 * a new column comes in and a dropped one is reported; `--force` starts over.
 */
describe('introspect run again on a changed schema', () => {
  const db = useFileDatabase();
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-introspect-again-'));
  afterAll(() => fs.rmSync(folder, { recursive: true, force: true }));
  const cli = (args: string[]) => runCli(args, { cwd: folder, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });
  const notes = () => JSON.parse(fs.readFileSync(path.join(folder, 'db', 'definitions', 'notes.json'), 'utf8'));

  it('keeps a hand edit, adds the new column and reports the removed one; --force starts over', async () => {
    await db.knex.raw(`CREATE TABLE orgs (id uuid PRIMARY KEY, slug text NOT NULL UNIQUE);
      CREATE TABLE notes (id uuid PRIMARY KEY, org_id uuid NOT NULL REFERENCES orgs(id), body text NOT NULL, obsolete integer)`);
    const first = await cli(['introspect', '--out', 'db']);
    expect(first.stderr).not.toMatch(/^error/m);
    const drafted = notes();
    expect(drafted.properties.obsolete).toBeDefined();
    const edited = { ...drafted, 'x-count': { ...drafted['x-count'], default: 7 } };
    expect(edited['x-count'].default).not.toBe(drafted['x-count'].default);
    fs.writeFileSync(path.join(folder, 'db', 'definitions', 'notes.json'), JSON.stringify(edited, null, 2) + '\n');

    await db.knex.raw('ALTER TABLE notes ADD COLUMN title varchar(80) NOT NULL, DROP COLUMN obsolete');
    const again = await cli(['introspect', '--out', 'db']);
    expect(again.stderr).not.toMatch(/^error/m);
    expect(again.code).toBe(first.code);
    const merged = notes();
    expect(merged['x-count'].default).toBe(7);
    expect(merged.properties.title).toMatchObject({ type: 'string', maxLength: 80 });
    expect(merged.properties.obsolete).toBeUndefined();
    expect(merged.required).toContain('title');
    expect(again.stdout).toMatch(/definitions\/notes\.json\/properties\/obsolete: gone from the schema/);
    expect(again.stdout).toMatch(/notes\.json: 1 hand edit\(s\) kept over the new draft \(\/x-count\/default\)/);

    const forced = await cli(['introspect', '--out', 'db', '--force']);
    expect(forced.stderr).not.toMatch(/^error/m);
    expect(notes()['x-count'].default).toBe(drafted['x-count'].default);
    expect(notes().properties.title).toBeDefined();
  }, 240_000);

  it('writes environments/test.json beside development.json for the testing API, and never over one the team wrote itself', async () => {
    const other = fs.mkdtempSync(path.join(folder, 'own-test-profile-'));
    const run = (out: string) => runCli(['introspect', '--out', out], { cwd: other, env: { DATABASE_URL: db.target.url }, timeoutMs: 120_000 });
    expect((await run('drafted')).stderr).not.toMatch(/^error/m);
    const profile = (dir: string, env: string) => JSON.parse(fs.readFileSync(path.join(other, dir, 'environments', `${env}.json`), 'utf8'));
    expect(profile('drafted', 'test').counts).toEqual(profile('drafted', 'development').counts);
    fs.mkdirSync(path.join(other, 'own', 'environments'), { recursive: true });
    fs.writeFileSync(path.join(other, 'own', 'environments', 'test.json'), '{"mine": true}\n');
    fs.rmSync(path.join(other, 'tenantseed.config.json'));
    const own = await run('own');
    expect(own.stderr).not.toMatch(/^error/m);
    expect(profile('own', 'test')).toEqual({ mine: true });
    expect(profile('own', 'development').counts).toBeDefined();
  }, 240_000);
});
