import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { UsageError } from '../errors';
import { copyTextLine, Fingerprint, Plan, Row, TablePlan } from '../generate';
import { fileEncoder, FileFormat } from './file-formats';

/** Progress of long work: rows done so far out of the total. */
export interface Progress {
  readonly table: string;
  readonly rowsDone: number;
  readonly totalRows: number;
}

/** Options of {@link writeDatasetFiles}. */
export interface WriteDatasetFilesOptions {
  plan: Plan;
  directory: string;
  format: FileFormat;
  onProgress?: (progress: Progress) => void;
}

/** One written file. */
export interface WrittenFile {
  readonly table: string;
  readonly file: string;
  readonly rows: number;
}

/** What {@link writeDatasetFiles} wrote. */
export interface WriteDatasetFilesResult {
  readonly directory: string;
  readonly fingerprint: string;
  readonly legacyFingerprint: string;
  readonly files: readonly WrittenFile[];
  readonly legacyFiles: readonly WrittenFile[];
  readonly rows: number;
}

export const MANIFEST_FILE = 'manifest.json';
const BATCH = 1000;

function checkTarget(directory: string): void {
  if (!fs.existsSync(directory)) return;
  if (!fs.statSync(directory).isDirectory()) {
    throw new UsageError(`--out ${directory} is a file, not a folder`, { hint: 'Name a new or empty folder.' });
  }
  const entries = fs.readdirSync(directory);
  if (entries.length > 0 && !entries.includes(MANIFEST_FILE)) {
    throw new UsageError(`--out ${directory} is not empty and was not written by tenantseed generate`, {
      hint: 'Name a new or empty folder (or one a previous generate wrote, which is then replaced).',
    });
  }
}

async function writeTable(
  table: TablePlan,
  file: string,
  format: FileFormat,
  fingerprint: Fingerprint,
  progress: { done: number; total: number; report?: (p: Progress) => void },
): Promise<number> {
  const encoder = fileEncoder(format, table.name, table.columns);
  const out = fs.createWriteStream(file);
  const write = async (text: string) => {
    if (text && !out.write(text)) await once(out, 'drain');
  };
  const failed = once(out, 'error').then(([err]) => { throw err; });
  failed.catch(() => undefined);
  fingerprint.table(table.name, table.columns);
  await write(encoder.header());
  let rows = 0;
  let batch: Row[] = [];
  const flush = async () => {
    await Promise.race([write(encoder.rows(batch, rows === batch.length)), failed]);
    progress.done += batch.length;
    progress.report?.({ table: table.name, rowsDone: progress.done, totalRows: progress.total });
    batch = [];
  };
  for (const row of table.rows()) {
    fingerprint.row(copyTextLine(row));
    batch.push(row);
    rows++;
    if (batch.length === BATCH) await flush();
  }
  if (batch.length > 0) await flush();
  await write(encoder.footer(rows > 0));
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
  return rows;
}

/**
 * Writes a plan's rows to files, one per table, named so that file-name order is load order
 * (`01_tenants.csv`, ...); legacy rows, in their pre-tenancy shape, go to `legacy/`. Also
 * writes `manifest.json` with the fingerprints and row counts. Everything is written to a
 * temporary folder first and renamed at the end: a failure leaves no half-written output.
 *
 * @example
 * const result = await writeDatasetFiles({ plan, directory: 'out', format: 'csv' });
 * console.log(result.fingerprint);
 */
export async function writeDatasetFiles(options: WriteDatasetFilesOptions): Promise<WriteDatasetFilesResult> {
  const directory = path.resolve(options.directory);
  checkTarget(directory);
  const { plan, format } = options;
  const staging = `${directory}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(path.join(staging, 'legacy'), { recursive: true });
  const total = [...plan.tables, ...plan.legacyTables].reduce((sum, t) => sum + t.rowCount(), 0);
  const progress = { done: 0, total, report: options.onProgress };
  try {
    const writeAll = async (tables: readonly TablePlan[], folder: string, fingerprint: Fingerprint) => {
      const files: WrittenFile[] = [];
      for (const [i, table] of tables.entries()) {
        const name = `${String(i + 1).padStart(2, '0')}_${table.name}.${fileEncoder(format, table.name, []).extension}`;
        const rows = await writeTable(table, path.join(staging, folder, name), format, fingerprint, progress);
        files.push({ table: table.name, file: path.join(folder, name), rows });
      }
      return files;
    };
    const main = new Fingerprint(plan.generatorVersion);
    const legacy = new Fingerprint(plan.generatorVersion);
    const files = await writeAll(plan.tables, '', main);
    const legacyFiles = await writeAll(plan.legacyTables, 'legacy', legacy);
    const result = {
      fingerprint: main.digest(),
      legacyFingerprint: legacy.digest(),
      files,
      legacyFiles,
      rows: progress.done,
    };
    const manifest = {
      tool: 'tenantseed',
      generatorVersion: plan.generatorVersion,
      environment: plan.profile.name,
      seed: plan.seed,
      tenants: plan.tenants.length,
      format,
      ...result,
    };
    fs.writeFileSync(path.join(staging, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    fs.rmSync(directory, { recursive: true, force: true });
    fs.renameSync(staging, directory);
    return { directory, ...result };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw err;
  }
}
