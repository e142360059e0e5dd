import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { migrate } from '../../src/db';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

async function copyCsv(url: string, table: string, file: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const header = fs.readFileSync(file, 'utf8').split('\n')[0];
    const stream = client.query(copyFrom(`COPY ${table} (${header}) FROM STDIN WITH (FORMAT csv, HEADER true)`));
    await pipeline(fs.createReadStream(file), stream);
  } finally {
    await client.end();
  }
}

/** Rows the migrations create: the default tenant and the built-in templates. */
const CREATED_BY_MIGRATIONS: Record<string, number> = { tenants: 1, templates: 4 };

function tableOf(file: string): string {
  return path.basename(file).replace(/^\d+_/, '').replace(/\.\w+$/, '');
}

describe('files written by tenantseed generate', () => {
  const db = useFileDatabase();
  let out: string;

  beforeAll(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-gen-'));
  });

  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('load with COPY in file-name order: legacy rows before tenancy, the dataset after', async () => {
    const csv = path.join(out, 'csv');
    const run = await runCli(['generate', '--env', 'test', '--out', csv, '--format', 'csv', '--json']);
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    await migrate({ knex: db.knex, action: 'up' });
    for (const file of fs.readdirSync(path.join(csv, 'legacy')).sort()) await copyCsv(db.target.url, tableOf(file), path.join(csv, 'legacy', file));
    await migrate({ knex: db.knex, action: 'latest' });
    for (const file of fs.readdirSync(csv).filter((f) => f.endsWith('.csv')).sort()) await copyCsv(db.target.url, tableOf(file), path.join(csv, file));
    for (const file of summary.files) {
      const count = await db.knex(file.table).count({ n: '*' });
      const legacy = summary.legacyFiles.find((l: { table: string }) => l.table === file.table)?.rows ?? 0;
      expect({ table: file.table, rows: count[0].n }).toEqual({ table: file.table, rows: file.rows + legacy + (CREATED_BY_MIGRATIONS[file.table] ?? 0) });
    }
    const ledger = await db.knex('tenantseed.legacy_absorption').select('table_name', 'rows_absorbed').orderBy('table_name');
    expect(ledger).toEqual(summary.legacyFiles.map((l: { table: string; rows: number }) => ({ table_name: l.table, rows_absorbed: l.rows })).sort((a: { table_name: string }, b: { table_name: string }) => a.table_name.localeCompare(b.table_name)));
  });

  it('load as SQL in file-name order into a migrated database, giving the same rows as CSV', async () => {
    const sqlDir = path.join(out, 'sql');
    expect((await runCli(['generate', '--env', 'test', '--out', sqlDir, '--format', 'sql'])).code).toBe(0);
    const before = await db.knex('users').select('*').orderBy(['tenant_id', 'id']);
    await db.knex.transaction(async (trx) => {
      // Empty the dataset (keep legacy rows and built-in rows), then load the SQL files.
      for (const table of ['tenant_api_keys', 'audit_logs', 'content_blocks', 'tenant_configs', 'users', 'platform_audit_logs']) await trx(table).del();
      await trx.raw("DELETE FROM documents WHERE tenant_id <> '00000000-0000-0000-0000-000000000001'");
      await trx.raw("DELETE FROM projects WHERE tenant_id <> '00000000-0000-0000-0000-000000000001'");
      await trx.raw('DELETE FROM tenants WHERE NOT is_default');
      for (const file of fs.readdirSync(sqlDir).filter((f) => f.endsWith('.sql')).sort()) {
        await trx.raw(fs.readFileSync(path.join(sqlDir, file), 'utf8'));
      }
    });
    expect(await db.knex('users').select('*').orderBy(['tenant_id', 'id'])).toEqual(before);
  });

  it('write JSON with one object per row', async () => {
    const jsonDir = path.join(out, 'json');
    expect((await runCli(['generate', '--env', 'test', '--out', jsonDir, '--format', 'json'])).code).toBe(0);
    const users = JSON.parse(fs.readFileSync(path.join(jsonDir, fs.readdirSync(jsonDir).find((f) => f.endsWith('_users.json'))!), 'utf8'));
    expect(users.find((u: { email: string }) => u.email === 'admin@acme.test')).toMatchObject({ role: 'admin', name: 'Ada Admin' });
    expect(JSON.stringify(users)).not.toContain('acme-admin-password');
  });

  it('refuses to write into a folder it did not write (exit 3), and changes nothing there', async () => {
    const foreign = path.join(out, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'keep me');
    const run = await runCli(['generate', '--env', 'test', '--out', foreign]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/Refusing to write into .*foreign: it holds 1 entry \(notes\.txt\) that tenantseed generate did not write/);
    expect(fs.readdirSync(foreign)).toEqual(['notes.txt']);
  });

  it('refuses a web app\'s folder that happens to hold a manifest.json, keeping its src/', async () => {
    const app = path.join(out, 'webapp');
    fs.mkdirSync(path.join(app, 'src'), { recursive: true });
    fs.writeFileSync(path.join(app, 'manifest.json'), '{"name": "my app"}');
    fs.writeFileSync(path.join(app, 'src', 'index.js'), 'console.log(1)');
    const run = await runCli(['generate', '--env', 'test', '--out', app]);
    expect(run.code).toBe(3);
    expect(fs.readFileSync(path.join(app, 'src', 'index.js'), 'utf8')).toBe('console.log(1)');
    expect(fs.readFileSync(path.join(app, 'manifest.json'), 'utf8')).toBe('{"name": "my app"}');
    expect(fs.readdirSync(path.dirname(app)).filter((f) => f.startsWith('webapp.tmp-'))).toEqual([]);
  });

  it('replaces its own earlier output, removing only the files it wrote', async () => {
    const dir = path.join(out, 'again');
    expect((await runCli(['generate', '--env', 'test', '--out', dir, '--format', 'sql'])).code).toBe(0);
    fs.writeFileSync(path.join(dir, 'README.txt'), 'notes of mine');
    const marker = JSON.parse(fs.readFileSync(path.join(dir, '.tenantseed-generate.json'), 'utf8'));
    // A marker that lists a file outside the folder is not tenantseed's: the folder is refused.
    fs.writeFileSync(path.join(dir, '.tenantseed-generate.json'), JSON.stringify({ ...marker, files: [...marker.files, '../outside.txt'] }));
    expect((await runCli(['generate', '--env', 'test', '--out', dir])).code).toBe(3);
    fs.writeFileSync(path.join(dir, '.tenantseed-generate.json'), JSON.stringify(marker));
    const run = await runCli(['generate', '--env', 'test', '--out', dir, '--format', 'csv']);
    expect(run.code).toBe(0);
    const files = fs.readdirSync(dir);
    expect(files).toContain('README.txt');
    expect(files.filter((f) => f.endsWith('.sql'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.csv')).length).toBeGreaterThan(5);
    expect(fs.readFileSync(path.join(dir, 'README.txt'), 'utf8')).toBe('notes of mine');
  });
});
