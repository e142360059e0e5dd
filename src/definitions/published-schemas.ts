import { DEFINITION_META_SCHEMA, PROFILE_SCHEMA } from './meta-schema';

/**
 * The JSON Schemas the package publishes in schema/ for editors, by file name: exactly the
 * meta-schemas definitions and profiles are validated with, with a title and an `$id` an
 * editor accepts (the code's `tenantseed:` ids are not URLs). scripts/write-schemas.js writes them.
 *
 * @example
 * publishedSchemas()['definition.schema.json'].title // 'tenantseed table definition'
 */
export function publishedSchemas(): Record<string, Record<string, unknown>> {
  const publish = (schema: Record<string, unknown>, file: string, title: string, description: string) => {
    const { $schema, $id: _id, ...rest } = schema;
    return { $schema, $id: `https://unpkg.com/tenantseed/schema/${file}`, title, description, ...rest };
  };
  return {
    'definition.schema.json': publish(DEFINITION_META_SCHEMA, 'definition.schema.json', 'tenantseed table definition',
      'One table of seeds/definitions/: a JSON Schema of its rows with x- keywords (docs/definitions.md). A definition\'s own "$schema" stays the 2020-12 dialect; hook this file up in the editor\'s settings.'),
    'profile.schema.json': publish(PROFILE_SCHEMA, 'profile.schema.json', 'tenantseed environment profile',
      'One environment of seeds/environments/ (docs/profiles.md). "$schema": "./node_modules/tenantseed/schema/profile.schema.json" gives editors completion.'),
  };
}
