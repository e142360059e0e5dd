import fs from 'node:fs';
import path from 'node:path';
import { Finding, mergeDrafts } from '../introspect';

/** Where introspect keeps what it drafted last time (the base of the next merge), under the --out folder. */
export const DRAFT_SNAPSHOT_DIR = path.join('.tenantseed', 'draft');

function snapshotPath(outDir: string, file: string): string {
  // The config may sit above the --out folder (../tenantseed.config.json): kept inside it all the same.
  return path.join(outDir, DRAFT_SNAPSHOT_DIR, file.split(path.sep).map((p) => (p === '..' ? '_up' : p)).join(path.sep));
}

/** Whether `file` is the team's own (there, and not drafted by an earlier introspect). */
export function writtenByHand(outDir: string, file: string): boolean {
  return fs.existsSync(path.join(outDir, file)) && !fs.existsSync(snapshotPath(outDir, file));
}

/**
 * Merges each new draft into the file already there when introspect drafted that file before
 * (its snapshot is the base): the team's hand edits win, new tables and columns come in,
 * removed ones are reported. Replaces the merged texts in `files`; returns the files merged.
 * A file with no snapshot is left alone (introspect then refuses to overwrite it without --force).
 */
export function mergeWithPreviousDraft(outDir: string, files: Map<string, string>, findings: Finding[], stringify: (value: unknown) => string): Set<string> {
  const merged = new Set<string>();
  for (const [file, text] of files) {
    const current = path.join(outDir, file);
    const base = snapshotPath(outDir, file);
    if (!fs.existsSync(current) || !fs.existsSync(base)) continue;
    let result;
    try {
      result = mergeDrafts(JSON.parse(fs.readFileSync(base, 'utf8')), JSON.parse(fs.readFileSync(current, 'utf8')), JSON.parse(text));
    } catch {
      continue; // A file that no longer parses is not merged: introspect refuses to overwrite it without --force.
    }
    files.set(file, stringify(result.merged));
    merged.add(file);
    for (const gone of result.removed) findings.push({ level: 'warning', message: `${file}${gone}: gone from the schema, removed from the file` });
    if (result.kept.length > 0) findings.push({ level: 'inferred', message: `${file}: ${result.kept.length} hand edit(s) kept over the new draft (${result.kept.slice(0, 5).join(', ')})` });
  }
  return merged;
}

/** Keeps what introspect drafted this time, before any merge: the base the next run merges against. */
export function saveDraftSnapshot(outDir: string, drafted: ReadonlyMap<string, string>): void {
  fs.rmSync(path.join(outDir, DRAFT_SNAPSHOT_DIR), { recursive: true, force: true });
  for (const [file, text] of drafted) {
    const target = snapshotPath(outDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
}
