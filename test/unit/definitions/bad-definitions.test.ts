import fs from 'node:fs';
import path from 'node:path';
import { loadDefinitions, loadProfile } from '../../../src/definitions';
import { buildPlan } from '../../../src/generate';
import { DefinitionError, ProfileError, UsageError } from '../../../src/errors';
import { hasStackTrace, runCli } from '../../support/run-cli';
import { editedDefinitions, editedProfile, SHIPPED_DEFINITIONS, SHIPPED_ENVIRONMENTS, shippedDefinitions } from '../../support/datasets';

type Files = Map<string, Record<string, any>>;

const cases: Array<[string, (files: Files) => void, RegExp, string]> = [
  ['malformed JSON', (f) => f.set('users.json', '{ "x-table": "users", }' as any), /users\.json is not valid JSON at line 1/, 'users.json'],
  ['an unknown x- keyword', (f) => { f.get('users.json')!['x-tabel'] = 'users'; }, /users\.json at \/x-tabel: unknown keyword x-tabel/, 'users.json'],
  ['an unknown JSON Schema keyword', (f) => { f.get('users.json')!.properties.name.fromat = 'email'; }, /users\.json: not a valid JSON Schema: strict mode: unknown keyword: "fromat"/, 'users.json'],
  ['a reference to an unknown table', (f) => { f.get('content_blocks.json')!.properties.author_user_id['x-ref'] = 'authors.id'; }, /content_blocks\.json at \/properties\/author_user_id\/x-ref: table content_blocks references authors, which has no definition/, 'content_blocks.json'],
  ['a reference to an unknown column', (f) => { f.get('content_blocks.json')!.properties.author_user_id['x-ref'] = 'users.uid'; }, /column users\.uid does not exist/, 'content_blocks.json'],
  ['a reference cycle no nullable column can break', (f) => {
    f.get('users.json')!.properties.favourite_project = { type: 'string', format: 'uuid', 'x-ref': 'projects.id' };
    f.get('projects.json')!.properties.owner = { type: 'string', format: 'uuid', 'x-ref': 'users.id' };
  }, /references (projects -> users -> projects|users -> projects -> users) form a cycle that no nullable column can break/, 'projects.json'],
  ['weights that do not match the enum', (f) => { f.get('users.json')!.properties.role['x-weights'] = [1, 2]; }, /x-weights has 2 weights for 3 enum values/, 'users.json'],
  ['a keyword the generator does not honour', (f) => { f.get('users.json')!.properties.name.anyOf = [{ minLength: 3 }]; }, /users\.json at \/properties\/name\/anyOf: the generator does not honour "anyOf", so rows could break it/, 'users.json'],
  ['a nested keyword the generator does not honour', (f) => { f.get('tenant_configs.json')!.properties.settings.minProperties = 2; }, /tenant_configs\.json at \/properties\/settings\/minProperties: the generator does not honour "minProperties"/, 'tenant_configs.json'],
  ['a format it cannot make', (f) => { f.get('users.json')!.properties.host = { type: 'string', format: 'hostname' }; }, /users\.json at \/properties\/host\/format: the generator cannot make values of format "hostname"/, 'users.json'],
  ['additionalProperties other than false', (f) => { f.get('users.json')!.properties.meta = { type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: true }; }, /users\.json at \/properties\/meta\/additionalProperties: only "additionalProperties": false is honoured/, 'users.json'],
  ['a primary key that does not start with the tenant', (f) => { f.get('users.json')!['x-primary-key'] = ['id', 'tenant_id']; }, /primary key must start with the tenant column/, 'users.json'],
];

describe('bad definitions', () => {
  it.each(cases)('refuses %s, naming the file and the place', (_label, edit, message, file) => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, edit);
    try {
      let error: unknown;
      try {
        loadDefinitions(dir);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as Error).message).toMatch(message);
      expect((error as DefinitionError).file).toBe(path.join(dir, file));
      expect((error as DefinitionError).hint).toBeTruthy();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a unique column whose value space is smaller than the count, naming table, column, needed and available', () => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => {
      f.get('users.json')!.properties.email['x-generate'] = { faker: 'person.firstName' };
    });
    try {
      const profile = editedProfile('test', (p) => { p.counts.users = 5000; }).profile;
      expect(() => buildPlan({ definitions: loadDefinitions(dir), profile })).toThrow(
        /table users, column email is unique per tenant: it needs 5000 values in tenant \w+, but its generator has only \d+/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a unique column whose generator cannot promise distinct values', () => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => {
      f.get('content_blocks.json')!.properties.body['x-unique'] = 'tenant';
    });
    try {
      expect(() => buildPlan({ definitions: loadDefinitions(dir), profile: loadProfile(SHIPPED_ENVIRONMENTS, 'test') })).toThrow(/table content_blocks, column body is unique per tenant, but its generator cannot promise distinct values/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a Faker method that does not exist, naming the place', () => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('users.json')!.properties.name['x-faker'] = 'person.fullNam'; });
    try {
      expect(() => buildPlan({ definitions: loadDefinitions(dir), profile: loadProfile(SHIPPED_ENVIRONMENTS, 'test') })).toThrow(/users\.json at \/properties\/name: "person\.fullNam" is not a Faker method/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad profiles and flags', () => {
  it('lists the environments when --env is unknown', () => {
    expect(() => loadProfile(SHIPPED_ENVIRONMENTS, 'prod')).toThrow(ProfileError);
    try {
      loadProfile(SHIPPED_ENVIRONMENTS, 'prod');
    } catch (err) {
      expect((err as ProfileError).hint).toBe(`Use one of: development, staging, test (or add prod.json to ${SHIPPED_ENVIRONMENTS}).`);
    }
  });

  it('refuses counts for tables that have no definition', () => {
    const { profile } = editedProfile('test', (p) => { p.counts.invoices = 3; });
    expect(() => buildPlan({ definitions: shippedDefinitions(), profile })).toThrow(/\/counts\/invoices: there is no definition for table invoices/);
  });

  it('refuses fewer tenants than the profile names', () => {
    expect(() => buildPlan({ definitions: shippedDefinitions(), profile: loadProfile(SHIPPED_ENVIRONMENTS, 'test'), tenants: 2 })).toThrow(UsageError);
    expect(() => buildPlan({ definitions: shippedDefinitions(), profile: loadProfile(SHIPPED_ENVIRONMENTS, 'test'), tenants: 2 })).toThrow(/below the number of named tenants \(3: acme, globex, initech\)/);
  });
});

describe('tenantseed generate on bad input', () => {
  it.each([
    [['generate', '--out', '/tmp/x'], /Missing required argument: env/],
    [['generate', '--env', 'nope', '--out', '/tmp/tenantseed-never'], /Unknown environment "nope"[\s\S]*Use one of: development, staging, test/],
    [['generate', '--env', 'test', '--out', '/tmp/tenantseed-never', '--seed', '-1'], /--seed must be a whole number from 0 up, not "-1"/],
    [['generate', '--env', 'test', '--out', '/tmp/tenantseed-never', '--seed', '1.5'], /--seed must be a whole number/],
    [['generate', '--env', 'test', '--out', '/tmp/tenantseed-never', '--tenants', 'many'], /--tenants must be a whole number from 1 up, not "many"/],
    [['generate', '--env', 'test', '--out', '/tmp/tenantseed-never', '--tenants', '0'], /--tenants must be a whole number from 1 up/],
    [['generate', '--env', 'test', '--out', '/tmp/tenantseed-never', '--tenants', '2'], /below the number of named tenants/],
    [['generate', '--env', '../test', '--out', '/tmp/tenantseed-never'], /not a valid environment name/],
    [['generate', '--env', 'test', '--out', '/tmp/tenantseed-never', '--format', 'xml'], /Invalid values:[\s\S]*format/],
  ])('exits 2 for %j with a clear message and writes nothing', async (args, message) => {
    const run = await runCli(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(hasStackTrace(run.stderr)).toBe(false);
    expect(fs.existsSync('/tmp/tenantseed-never')).toBe(false);
  });

  it('exits 2 naming the definition file when a definition is broken', async () => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('documents.json')!.properties.project_id['x-ref'] = 'folders.id'; });
    try {
      const run = await runCli(['generate', '--env', 'test', '--out', '/tmp/tenantseed-never', '--definitions', dir]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(path.join(dir, 'documents.json'));
      expect(run.stderr).toMatch(/^hint: /m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('named rows in a profile', () => {
  it('are checked against their columns before any row is made', () => {
    const { profile } = editedProfile('test', (p) => { p.tenants.named[0].rows.users[0].role = 'superadmin'; });
    expect(() => buildPlan({ definitions: shippedDefinitions(), profile })).toThrow(/users row 1 of tenant acme: role "superadmin" must be equal to one of the allowed values/);
  });
});

describe('the run-time guard', () => {
  it('stops generate at the first generated row that breaks its definition, naming the row and the keyword (exit 2)', async () => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('users.json')!.properties.name = { type: 'string', pattern: '^[A-Z]', 'x-generate': { const: 'lower case' } }; });
    try {
      // The named users' names are given by the profile and valid: only --strict is sure to reach a generated one.
      const run = await runCli(['generate', '--env', 'test', '--definitions', dir, '--out', `${dir}-out`, '--strict']);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/users\.json: the generated row \(tenant_id=[0-9a-f-]{36}, id=[0-9a-f-]{36}\) of users breaks "pattern" at \/name: must match pattern "\^\[A-Z\]"/);
      expect(run.stderr).toMatch(/^hint: Change the generator \(x-generate\) of name or the "pattern"/m);
      expect(fs.existsSync(`${dir}-out`)).toBe(false);
      expect(hasStackTrace(run.stderr)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks a keyed sample without --strict: a generator that is always wrong is caught', async () => {
    const dir = editedDefinitions(SHIPPED_DEFINITIONS, (f) => { f.get('projects.json')!.properties.name = { type: 'string', pattern: '^[A-Z]', 'x-generate': { const: 'lower case' } }; });
    try {
      const run = await runCli(['generate', '--env', 'test', '--definitions', dir, '--out', `${dir}-out`]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/projects\.json: the generated row \(tenant_id=[0-9a-f-]{36}, id=[0-9a-f-]{36}\) of projects breaks "pattern" at \/name/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
