import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DirectoryMigrationSource } from '../../../src/db';

/** A TypeScript migration is compiled through jiti's file cache: an edit must never run the old code. */
describe('DirectoryMigrationSource', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-migration-source-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const write = (marker: string) => fs.writeFileSync(path.join(dir, '20260101000000_first.ts'),
    `export const marker: string = '${marker}';\nexport async function up(): Promise<void> {}\nexport async function down(): Promise<void> {}\n`);
  const markerOf = async () => ((await new DirectoryMigrationSource(dir).getMigration('20260101000000_first.ts')) as unknown as { marker: string }).marker;

  it('runs the edited source of a migration, not a cached compilation of the earlier one', async () => {
    write('before');
    expect(await markerOf()).toBe('before');
    expect(await markerOf()).toBe('before');
    write('after!');
    expect(await markerOf()).toBe('after!');
  });
});
