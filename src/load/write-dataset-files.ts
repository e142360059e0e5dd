import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { SafetyError, TenantseedError, UsageError } from '../errors';
import { copyTextLine, Fingerprint, guardRows, Plan, Row, RowGuard, TablePlan } from '../generate';
import type pg from 'pg';
import { fileEncoder, FileFormat, fileNamePart } from './file-formats';
import { settleTableChecks } from './settle-checks';
import type { ProgressListener } from './progress-event';


/** Options of {@link writeDatasetFiles}. */
export interface WriteDatasetFilesOptions {
  plan: Plan;
  directory: string;
  format: FileFormat;
  /** Check every generated row against its definition, not a keyed sample (`--strict`). */
  strict?: boolean;
  /** Told as each table's file is written (phase `generate`, the table, its rows). */
  onProgress?: ProgressListener;
  /**
   * A connection to a database with the schema, which evaluates the CHECKs of `x-checks` (rows
   * that break one are drawn again); needed only when a definition has them.
   */
  checks?: pg.ClientBase;
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

/**
 * The marker of a folder that `generate` wrote: a file of tenantseed's own name and content
 * that lists the files it wrote. Only such a folder (or an empty or missing one) is written
 * into, and only the files the marker lists are ever removed.
 */
export const MARKER_FILE = '.tenantseed-generate.json';
const MARKER_TOOL = 'tenantseed generate';

/** The files a previous generate wrote into `directory`, by its marker; undefined when it has none. */
function previousOutput(directory: string): string[] | undefined {
  const marker = path.join(directory, MARKER_FILE);
  if (!fs.existsSync(marker)) return undefined;
  try {
    const content = JSON.parse(fs.readFileSync(marker, 'utf8')) as { tool?: unknown; files?: unknown };
    if (content.tool !== MARKER_TOOL || !Array.isArray(content.files)) return undefined;
    const files = content.files.filter((f): f is string => typeof f === 'string');
    // Only plain relative paths inside the folder: a marker can never point outside it.
    return files.every((f) => !path.isAbsolute(f) && !f.split(/[\\/]/).includes('..')) ? files : undefined;
  } catch {
    return undefined;
  }
}

/** Refuses (exit 3) a folder that is neither missing, empty, nor marked as generate's output. */
function checkTarget(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  if (!fs.statSync(directory).isDirectory()) {
    throw new UsageError(`--out ${directory} is a file, not a folder`, { hint: 'Name a new or empty folder.' });
  }
  const entries = fs.readdirSync(directory);
  if (entries.length === 0) return [];
  const previous = previousOutput(directory);
  if (!previous) {
    throw new SafetyError(`Refusing to write into ${directory}: it holds ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (${entries.slice(0, 5).join(', ')}${entries.length > 5 ? ', ...' : ''}) that tenantseed generate did not write`, {
      hint: `Name a new or empty folder. generate only replaces a folder it wrote itself (it leaves ${MARKER_FILE} there). Nothing was changed.`,
    });
  }
  return previous;
}

/** Hints for the file-system errors a user can fix, by code. */
const FILE_SYSTEM_ERRORS: Record<string, { what: string; hint: string }> = {
  EACCES: { what: 'permission denied', hint: 'Choose a folder you may write to with --out, or change its permissions.' },
  EPERM: { what: 'operation not permitted', hint: 'Choose a folder you may write to with --out, or change its permissions.' },
  EROFS: { what: 'the file system is read-only', hint: 'Choose --out on a writable file system.' },
  ENOSPC: { what: 'no space left on the device', hint: 'Free some space there, or choose --out on a file system with room (`generate --json` of a smaller --tenants tells the size).' },
  EDQUOT: { what: 'the disk quota is exhausted', hint: 'Free some space there, or choose --out elsewhere.' },
  ENOTDIR: { what: 'a part of the path is a file, not a folder', hint: 'Correct --out.' },
  ENAMETOOLONG: { what: 'the path is too long', hint: 'Choose a shorter --out.' },
  EMFILE: { what: 'too many open files', hint: 'Raise the open-file limit (ulimit -n) and run again.' },
};

/**
 * A file-system error of Node (it has a code and a syscall) as a TenantseedError that names
 * the output folder and what to do; anything else is returned as it is.
 */
function toFileSystemError(err: unknown, directory: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || typeof e.syscall !== 'string') return err;
  const known = FILE_SYSTEM_ERRORS[e.code];
  // mkdtemp reports its template (name.tmp-XXXXXX): name the folder it was to be made in.
  const where = !e.path || e.path === directory ? directory
    : e.path.endsWith('XXXXXX') ? `${path.dirname(directory)} (the folder of --out ${directory})` : `${e.path} (for --out ${directory})`;
  return new TenantseedError(`Cannot write ${where}: ${known?.what ?? e.syscall + ' failed'} (${e.code})`, {
    hint: `${known?.hint ?? 'Check the folder named by --out.'} Nothing was left behind.`,
    cause: err,
  });
}

/**
 * Moves a file, also across file systems: a rename fails with EXDEV when --out is a mount point
 * (the staging folder is beside it, on the parent's file system); then it is copied and removed.
 */
function moveFile(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    fs.copyFileSync(from, to);
    fs.rmSync(from, { force: true });
  }
}

/** Moves the new output in place: removes only the files the previous output listed, then moves each new file. */
function replaceOutput(staging: string, directory: string, previous: readonly string[], written: readonly string[]): void {
  if (!fs.existsSync(directory)) {
    fs.renameSync(staging, directory);
    return;
  }
  for (const file of [...previous, MARKER_FILE]) fs.rmSync(path.join(directory, file), { force: true });
  for (const dir of new Set(previous.map((f) => path.dirname(f)).filter((d) => d !== '.'))) {
    const full = path.join(directory, dir);
    if (fs.existsSync(full) && fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  }
  for (const file of [...written, MARKER_FILE]) {
    fs.mkdirSync(path.dirname(path.join(directory, file)), { recursive: true });
    moveFile(path.join(staging, file), path.join(directory, file));
  }
  fs.rmSync(staging, { recursive: true, force: true });
}

async function writeTable(
  table: TablePlan,
  file: string,
  format: FileFormat,
  fingerprint: Fingerprint,
  progress: { done: number; strict?: boolean; report?: ProgressListener },
): Promise<number> {
  const id = table.definition.columns.find((c) => c.name === table.definition.idColumn);
  const integerId = id && table.columns.includes(id.name) && [id.schema.type].flat().includes('integer') ? id.name : undefined;
  const arrays = table.definition.columns.some((c) => table.columns.includes(c.name) && [c.schema.type].flat().includes('array'));
  const encoder = fileEncoder(format, table.name, table.columns, { integerId, arrays });
  const out = fs.createWriteStream(file);
  const write = async (text: string) => {
    if (text && !out.write(text)) await once(out, 'drain');
  };
  const failed = once(out, 'error').then(([err]) => { throw err; });
  failed.catch(() => undefined);
  fingerprint.table(table.name, table.columns);
  await write(encoder.header());
  const total = table.rowCount();
  // Legacy rows are told apart from the table's tenant dataset: "legacy/projects".
  const label = path.basename(path.dirname(file)) === 'legacy' ? `legacy/${table.name}` : table.name;
  let rows = 0;
  if (total > 0) progress.report?.({ phase: 'generate', table: label, rowsDone: 0, totalRows: total });
  let batch: Row[] = [];
  const flush = async () => {
    await Promise.race([write(encoder.rows(batch, rows === batch.length)), failed]);
    progress.done += batch.length;
    progress.report?.({ phase: 'generate', table: label, rowsDone: rows, totalRows: total });
    batch = [];
  };
  for (const row of guardRows(table.rows(), new RowGuard(table, { strict: progress.strict }))) {
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
 * writes `manifest.json` with the fingerprints and row counts, and a marker listing the files.
 * It writes only into a missing or empty folder, or one a previous generate wrote (its
 * marker), whose listed files alone it replaces; any other folder is refused (exit 3).
 * Everything is written to a temporary folder first and moved at the end: a failure leaves no
 * half-written output.
 *
 * @example
 * const result = await writeDatasetFiles({ plan, directory: 'out', format: 'csv' });
 * console.log(result.fingerprint);
 */
export async function writeDatasetFiles(options: WriteDatasetFilesOptions): Promise<WriteDatasetFilesResult> {
  const directory = path.resolve(options.directory);
  const previous = checkTarget(directory);
  const { plan, format } = options;
  // A new folder of its own beside the target (the same file system, so files move by rename,
  // unless the target is a mount point: see moveFile).
  let staging: string;
  try {
    fs.mkdirSync(path.dirname(directory), { recursive: true });
    staging = fs.mkdtempSync(`${directory}.tmp-`);
  } catch (err) {
    throw toFileSystemError(err, directory);
  }
  const progress = { done: 0, strict: options.strict, report: options.onProgress };
  try {
    fs.mkdirSync(path.join(staging, 'legacy'));
    const writeAll = async (tables: readonly TablePlan[], folder: string, fingerprint: Fingerprint) => {
      const files: WrittenFile[] = [];
      for (const [i, table] of tables.entries()) {
        await settleTableChecks(options.checks, table);
        const name = `${String(i + 1).padStart(2, '0')}_${fileNamePart(table.name)}.${fileEncoder(format, table.name, []).extension}`;
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
    const written = [...files, ...legacyFiles].map((f) => f.file).concat(MANIFEST_FILE);
    fs.writeFileSync(path.join(staging, MARKER_FILE), JSON.stringify({ tool: MARKER_TOOL, files: written }, null, 2) + '\n');
    replaceOutput(staging, directory, previous, written);
    return { directory, ...result };
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw toFileSystemError(err, directory);
  }
}
