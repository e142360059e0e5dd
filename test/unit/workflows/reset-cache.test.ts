import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProjectConfig, shippedProjectConfig } from '../../../src/config';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan, Plan } from '../../../src/generate';
import { migratedSchemaKey, seededStateKey } from '../../../src/workflows';

/**
 * Reset clones a cached seeded state only under the key of everything that made it: a change of
 * any input must give another key, or a reset would swap in a database the inputs no longer make.
 */
describe("reset's seeded-state cache key", () => {
  let dir: string;
  let project: ProjectConfig & { migrations: string };
  let plan: Plan;
  const shipped = shippedProjectConfig();
  const planOf = (options: { definitions?: string; environments?: string; seed?: number; tenants?: number } = {}) =>
    buildPlan({
      definitions: loadDefinitions(options.definitions ?? shipped.definitions, { schemaCheck: 'later' }),
      profile: loadProfile(options.environments ?? shipped.environments, 'test'),
      seed: options.seed,
      tenants: options.tenants,
    });
  /** A copy of a shipped folder whose file `name` is edited by `edit`. */
  const editedCopy = (from: string, name: string, edit: (text: string) => string): string => {
    const to = fs.mkdtempSync(path.join(dir, 'copy-'));
    fs.cpSync(from, to, { recursive: true });
    fs.writeFileSync(path.join(to, name), edit(fs.readFileSync(path.join(to, name), 'utf8')));
    return to;
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-cache-key-'));
    const migrations = path.join(dir, 'migrations');
    fs.cpSync(shipped.migrations!, migrations, { recursive: true });
    project = { ...shipped, migrations };
    plan = planOf();
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is the same for the same inputs, and differs from the migrated-schema key', () => {
    expect(seededStateKey(project, planOf())).toBe(seededStateKey(project, plan));
    expect(seededStateKey(project, plan)).not.toBe(migratedSchemaKey(project, plan));
  });

  it.each<[string, () => [ProjectConfig & { migrations: string }, Plan, { strict?: boolean }?]]>([
    ['another seed', () => [project, planOf({ seed: 99 })]],
    ['another tenant count', () => [project, planOf({ tenants: 7 })]],
    ['an edited definition', () => [project, planOf({ definitions: editedCopy(shipped.definitions, 'users.json', (t) => t.replace('"x-table"', '"description": "edited", "x-table"')) })]],
    ['an edited profile', () => [project, planOf({ environments: editedCopy(shipped.environments, 'test.json', (t) => t.replace(/"seed":\s*\d+/, '"seed": 4242')) })]],
    ['another generator version', () => [project, { ...plan, generatorVersion: plan.generatorVersion + 1 }]],
    ['an edited migration', () => {
      const migrations = editedCopy(project.migrations, fs.readdirSync(project.migrations).sort()[0], (t) => `${t}\n// edited\n`);
      return [{ ...project, migrations }, plan];
    }],
    ['another migration', () => {
      const migrations = editedCopy(project.migrations, fs.readdirSync(project.migrations).sort()[0], (t) => t);
      fs.writeFileSync(path.join(migrations, '29990101000000_more.cjs'), 'exports.up = async () => {};\nexports.down = async () => {};\n');
      return [{ ...project, migrations }, plan];
    }],
    ['other schemas', () => [{ ...project, schemas: ['public', 'extra'] }, plan]],
    ['another application role', () => [{ ...project, tenancy: { ...project.tenancy, appRole: 'someone_else' } }, plan]],
    ['--strict (every row checked)', () => [project, plan, { strict: true }]],
  ])('changes with %s', (_label, changed) => {
    const [otherProject, otherPlan, options] = changed();
    expect(seededStateKey(otherProject, otherPlan, options)).not.toBe(seededStateKey(project, plan));
  });

  it('does not depend on where the migrations folder is (its contents make the state)', () => {
    const moved = editedCopy(project.migrations, fs.readdirSync(project.migrations).sort()[0], (t) => t);
    expect(seededStateKey({ ...project, migrations: moved }, plan)).toBe(seededStateKey(project, plan));
  });
});
