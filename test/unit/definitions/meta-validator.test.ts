import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import fc from 'fast-check';
import type { ValidateFunction } from 'ajv/dist/2020';
import { createAjv } from '../../../src/definitions/ajv';
import { DEFINITION_META_SCHEMA } from '../../../src/definitions/meta-schema';
import { GENERATED_FILE, metaSchemaDigest, metaValidatorSource } from '../../../src/definitions/meta-validator';
import { SHIPPED_DEFINITIONS } from '../../support/datasets';
import { REPO_ROOT } from '../../support/run-cli';

/** The build's generated validator, loaded as Node would load it from dist/ (its requires resolve against the package). */
function loadGenerated(source: string): ValidateFunction & { digest: string } {
  const filename = path.join(REPO_ROOT, 'dist', 'src', 'definitions', `test-${GENERATED_FILE}`);
  const m = new Module(filename) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = filename;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(path.dirname(filename));
  m._compile(source, filename);
  return m.exports as ValidateFunction & { digest: string };
}

const shipped = fs.readdirSync(SHIPPED_DEFINITIONS).filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(fs.readFileSync(path.join(SHIPPED_DEFINITIONS, f), 'utf8')) as Record<string, unknown>);

/** Every path (as keys) of a JSON value's objects and arrays. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  return [prefix, ...Object.entries(value as object).flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

/** The definition with the value at `at` replaced (or removed, for undefined), or a key added there. */
function edited(definition: unknown, at: string[], key: string | undefined, value: unknown): unknown {
  const copy = structuredClone(definition) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string, unknown>;
  const last = at[at.length - 1];
  const target = last === undefined ? node : node[last];
  if (key !== undefined && target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[key] = value;
  else if (last !== undefined && value === undefined) delete node[last];
  else if (last !== undefined) node[last] = value;
  return copy;
}

describe("the definitions' meta-schema validator made at build time", () => {
  const compiled = createAjv().compile(DEFINITION_META_SCHEMA);
  const generated = loadGenerated(metaValidatorSource());
  const outcome = (validate: ValidateFunction, data: unknown) => JSON.stringify({ ok: validate(data), errors: validate.errors ?? null });

  it('carries the digest of the meta-schema and ajv it was made from', () => {
    expect(generated.digest).toBe(metaSchemaDigest());
    expect(metaSchemaDigest()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts and refuses what ajv compiling the meta-schema does, with the same errors, for edited definitions', () => {
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true }), fc.string(),
        fc.constantFrom('string', 'integer', 'uuid', 'users.id', 'x-table', 'email', 'date-time'),
        fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 })),
    })).value;
    const keys = fc.oneof(fc.string(), fc.constantFrom('x-table', 'x-ref', 'x-tenant-column', 'x-unique', 'x-generate', 'x-weights', 'x-count', 'type', 'format', 'enum', 'x-tabel', 'properties', 'required'));
    fc.assert(fc.property(
      fc.nat({ max: shipped.length - 1 }), fc.nat(), fc.option(keys, { nil: undefined }), fc.option(json, { nil: undefined }),
      (which, where, key, value) => {
        const definition = shipped[which];
        const all = paths(definition);
        const data = edited(definition, all[where % all.length], key, value);
        expect(outcome(generated, data)).toBe(outcome(compiled, data));
      },
    ), { numRuns: 400 });
    // The shipped definitions themselves pass both.
    for (const definition of shipped) expect(outcome(generated, definition)).toBe(outcome(compiled, definition));
  });

  it('is what `npm run build` wrote into dist/, or no build has run', () => {
    const built = path.join(REPO_ROOT, 'dist', 'src', 'definitions', GENERATED_FILE);
    if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'src', 'definitions', 'meta-validator.js'))) return;
    expect(fs.existsSync(built)).toBe(true);
    expect(loadGenerated(fs.readFileSync(built, 'utf8')).digest).toBe(metaSchemaDigest());
  });
});
