import Ajv2020, { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { COLUMN_KEYWORDS, TABLE_KEYWORDS } from './meta-schema';

/**
 * An ajv for draft 2020-12 that knows tenantseed's x- keywords as annotations, so that strict
 * mode still rejects unknown keywords (a typo such as `"fromat"`) in definitions. `source`: keep
 * the generated code, for ajv's standalone code (the build's meta-schema validator).
 */
export function createAjv(options: { source?: boolean } = {}): Ajv2020 {
  // multipleOfPrecision: 0.07 is a multiple of 0.01, though 0.07 / 0.01 is 7.000000000000001 in
  // floating point (and 3456789.12 / 0.01 is off by 6e-8): exact decimals go to numeric columns.
  // optimize: false: no optimisation pass over the generated code, which validates the same; it
  // compiled the 421 definitions of a 420-table project 25-35% faster (start-up of every command),
  // while validation runs on a sample of the rows.
  const ajv = new Ajv2020({ strict: true, allErrors: true, verbose: true, strictRequired: false, allowUnionTypes: true, multipleOfPrecision: 6, code: { optimize: false, source: options.source === true } });
  addFormats(ajv);
  for (const keyword of [...TABLE_KEYWORDS, ...COLUMN_KEYWORDS]) ajv.addKeyword({ keyword });
  return ajv;
}

let shared: Ajv2020 | undefined;
const compiled = new Map<string, ValidateFunction>();

/**
 * A schema compiled once per process: one ajv (as {@link createAjv} makes it) for every caller,
 * and a validator per distinct schema text. Loading definitions, the generator's row guard, the
 * fixed-row check and the json-schema check compile the same schemas; on a 420-table project
 * compiling them again in a new ajv each time was about 3 s of a 14 s reset. A schema that does
 * not compile throws, as `ajv.compile` does, and is not kept.
 */
export function compiledValidator(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) {
    shared ??= createAjv();
    validate = shared.compile(schema);
    compiled.set(key, validate);
  }
  return validate;
}

/** ajv's text for a validator's errors (`dataVar` names the value, as ajv's errorsText does). */
export function schemaErrorsText(errors: ValidateFunction['errors'], options: { dataVar?: string } = {}): string {
  shared ??= createAjv();
  return shared.errorsText(errors, options);
}

/** The ajv error that says most: the deepest one, preferring those that are not a oneOf summary. */
export function bestError(errors: readonly ErrorObject[]): ErrorObject {
  return [...errors].sort((a, b) => {
    const depth = b.instancePath.split('/').length - a.instancePath.split('/').length;
    if (depth !== 0) return depth;
    return Number(a.keyword === 'oneOf' || a.keyword === 'not') - Number(b.keyword === 'oneOf' || b.keyword === 'not');
  })[0];
}

/** A readable sentence for an ajv error. */
export function describeAjvError(error: ErrorObject): string {
  if (error.keyword === 'not' && error.parentSchema && (error.parentSchema as { description?: string }).description === 'unknown x- keyword') {
    return `unknown keyword ${error.instancePath.split('/').pop()}`;
  }
  if (error.keyword === 'additionalProperties') return `unknown property "${(error.params as { additionalProperty: string }).additionalProperty}"`;
  if (error.keyword === 'enum') return `${error.message}: ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`;
  return error.message ?? error.keyword;
}
