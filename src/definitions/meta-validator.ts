import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv/dist/2020';
import { createAjv } from './ajv';
import { DEFINITION_META_SCHEMA } from './meta-schema';

/**
 * The file `npm run build` writes beside this module (scripts/write-meta-validator.js): the
 * meta-schema's validator as ajv's standalone code. Compiling the meta-schema takes ajv about
 * 160-190 ms, in every command that reads definitions; requiring the generated code, a few.
 */
export const GENERATED_FILE = 'meta-validator.generated.js';

/** What the generated code was made from: the meta-schema and ajv's version. Another digest: compiled at run time instead. */
export function metaSchemaDigest(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ajvVersion = (require('ajv/package.json') as { version: string }).version;
  return createHash('sha256').update(`ajv ${ajvVersion}\0`).update(JSON.stringify(DEFINITION_META_SCHEMA)).digest('hex');
}

/**
 * The meta-schema's validator as a module's source (ajv standalone code, with the digest it was
 * made from), for the build to write as {@link GENERATED_FILE}.
 */
export function metaValidatorSource(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
  const ajv = createAjv({ source: true });
  return `${standaloneCode(ajv, ajv.compile(DEFINITION_META_SCHEMA))}\nmodule.exports.digest = ${JSON.stringify(metaSchemaDigest())};\n`;
}

let validator: ValidateFunction | undefined;

/**
 * The validator of definitions against the meta-schema: the build's generated code when it was
 * made from this meta-schema and ajv, else compiled now (running from the TypeScript sources, or
 * a build that did not write it). Both validate alike and report the same errors
 * (test/unit/definitions/meta-validator.test.ts).
 */
export function metaSchemaValidator(): ValidateFunction {
  if (validator) return validator;
  const generated = path.join(__dirname, GENERATED_FILE);
  if (fs.existsSync(generated)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(generated) as ValidateFunction & { digest?: string };
    if (module.digest === metaSchemaDigest()) return (validator = module);
  }
  return (validator = createAjv().compile(DEFINITION_META_SCHEMA));
}
