import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDefinitions, loadProfile, DefinitionSet, Profile } from '../../src/definitions';
import { buildPlan, Fingerprint, Plan, Row } from '../../src/generate';
import { REPO_ROOT } from './run-cli';

/** The fingerprint of the shipped test profile (CHANGELOG.md lists it per generator version). */
export const GOLDEN_TEST_FINGERPRINT = 'sha256:91c521597b4a11e247fa4d68cb8aa162561b0a610fbab1f25acdd7ac7e624880';

export const SHIPPED_DEFINITIONS = path.join(REPO_ROOT, 'seeds', 'definitions');
export const SHIPPED_ENVIRONMENTS = path.join(REPO_ROOT, 'seeds', 'environments');
export const SHOP_DEFINITIONS = path.join(REPO_ROOT, 'test', 'fixtures', 'shop', 'definitions');
export const SHOP_ENVIRONMENTS = path.join(REPO_ROOT, 'test', 'fixtures', 'shop', 'environments');

/** The plan of a shipped environment. */
export function shippedPlan(env: string, options: { seed?: number; tenants?: number } = {}): Plan {
  return buildPlan({ definitions: loadDefinitions(SHIPPED_DEFINITIONS), profile: loadProfile(SHIPPED_ENVIRONMENTS, env), ...options });
}

/** Every row of a plan, by table. */
export function allRows(plan: Plan, legacy = false): Map<string, Row[]> {
  const out = new Map<string, Row[]>();
  for (const table of legacy ? plan.legacyTables : plan.tables) out.set(table.name, [...table.rows()]);
  return out;
}

/** The fingerprint of a plan's tenant dataset. */
export function fingerprintOf(plan: Plan): string {
  const fp = new Fingerprint(plan.generatorVersion);
  for (const table of plan.tables) {
    fp.table(table.name, table.columns);
    for (const row of table.rows()) fp.row(row);
  }
  return fp.digest();
}

/** A copy of a definitions folder in a temporary folder, edited by `edit` (file name -> JSON). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function editedDefinitions(source: string, edit: (files: Map<string, Record<string, any>>) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-defs-'));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const files = new Map<string, Record<string, any>>();
  for (const name of fs.readdirSync(source)) files.set(name, JSON.parse(fs.readFileSync(path.join(source, name), 'utf8')));
  edit(files);
  for (const [name, json] of files) fs.writeFileSync(path.join(dir, name), typeof json === 'string' ? json : JSON.stringify(json, null, 2));
  return dir;
}

/** A copy of a profile with changes, in a temporary environments folder. */
export function editedProfile(env: string, edit: (profile: Record<string, any>) => void): { directory: string; profile: Profile } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-envs-'));
  const json = JSON.parse(fs.readFileSync(path.join(SHIPPED_ENVIRONMENTS, `${env}.json`), 'utf8'));
  edit(json);
  fs.writeFileSync(path.join(dir, `${env}.json`), JSON.stringify(json, null, 2));
  return { directory: dir, profile: loadProfile(dir, env) };
}

export function shippedDefinitions(): DefinitionSet {
  return loadDefinitions(SHIPPED_DEFINITIONS);
}
