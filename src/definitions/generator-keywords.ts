import { DefinitionError } from '../errors';
import type { SchemaNode } from './types';

/**
 * The JSON-Schema keywords the generator honours in a column (or nested) schema. Anything else
 * (`anyOf`, `not`, `contains`, `minProperties`, ...) would be silently ignored by the generator
 * and make rows invalid against their own definition, so it is refused when definitions load.
 */
export const HONOURED_KEYWORDS = [
  'type', 'enum', 'const', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'items', 'minItems', 'maxItems', 'uniqueItems', 'properties', 'required', 'additionalProperties',
] as const;
/** Keywords that describe and never constrain. */
const ANNOTATIONS = new Set(['title', 'description', '$comment', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly']);
/** The formats the generator makes values of without an x-generate. */
export const HONOURED_FORMATS = ['uuid', 'date-time', 'date', 'email', 'uri'] as const;

const honoured = new Set<string>(HONOURED_KEYWORDS);

/**
 * Refuses, naming the file and the JSON pointer, any keyword of a column's schema that the
 * generator cannot honour: unknown JSON-Schema keywords anywhere, a `format` it cannot make
 * without an `x-generate`, a `pattern` beside a `format`, `additionalProperties` other than
 * false or absent.
 *
 * @example
 * checkGeneratorKeywords('users.json', '/properties/email', schema);
 */
export function checkGeneratorKeywords(file: string, pointer: string, schema: SchemaNode): void {
  const fail = (at: string, message: string, hint: string): never => {
    throw new DefinitionError(`${file} at ${at}: ${message}`, { file, pointer: at, hint });
  };
  const generated = schema['x-generate'] !== undefined || schema['x-faker'] !== undefined || schema['x-ref'] !== undefined || schema['x-ref-one-of'] !== undefined;
  for (const keyword of Object.keys(schema)) {
    if (keyword.startsWith('x-') || ANNOTATIONS.has(keyword) || honoured.has(keyword)) continue;
    fail(`${pointer}/${keyword}`, `the generator does not honour "${keyword}", so rows could break it`, `Remove "${keyword}", or express it with ${HONOURED_KEYWORDS.join(', ')} (docs/definitions.md lists what each does).`);
  }
  if (!generated && typeof schema.format === 'string' && !(HONOURED_FORMATS as readonly string[]).includes(schema.format)) {
    fail(`${pointer}/format`, `the generator cannot make values of format "${schema.format}"`, `Use one of ${HONOURED_FORMATS.join(', ')}, a "pattern", or an "x-generate" that makes such values.`);
  }
  if (!generated && schema.format !== undefined && schema.pattern !== undefined) {
    fail(`${pointer}/pattern`, 'a "pattern" beside a "format" cannot both be honoured by one generator', 'Keep one of them, or give the column an "x-generate" (its values are then checked against both).');
  }
  if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
    fail(`${pointer}/additionalProperties`, 'only "additionalProperties": false is honoured (generated objects have exactly their properties)', 'Remove it, or set it to false.');
  }
  const properties = schema.properties as Record<string, SchemaNode> | undefined;
  for (const [name, sub] of Object.entries(properties ?? {})) checkGeneratorKeywords(file, `${pointer}/properties/${name}`, sub);
  if (schema.items && typeof schema.items === 'object') checkGeneratorKeywords(file, `${pointer}/items`, schema.items as SchemaNode);
}
