import fs from 'node:fs';
import path from 'node:path';
import { configSchemaPath } from '../../../src/config';
import { DEFINITION_META_SCHEMA, PROFILE_SCHEMA, publishedSchemas } from '../../../src/definitions';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => JSON.parse(fs.readFileSync(path.join(ROOT, 'schema', file), 'utf8'));
const packageJson = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

describe('the JSON Schemas the package publishes for editors', () => {
  it.each(Object.keys(publishedSchemas()))('schema/%s is what scripts/write-schemas.js writes from the code (run it after a meta-schema change)', (file) => {
    expect(read(file)).toEqual(publishedSchemas()[file]);
  });

  it('are the meta-schemas definitions and profiles are validated with, only titled and given a URL id', () => {
    const bare = (schema: Record<string, unknown>) => {
      const { $id: _id, title: _title, description: _description, ...rest } = schema;
      return rest;
    };
    expect(bare(read('definition.schema.json'))).toEqual(bare(DEFINITION_META_SCHEMA));
    expect(bare(read('profile.schema.json'))).toEqual(bare(PROFILE_SCHEMA));
  });

  it('include the config\'s schema the config is validated with, and the package ships the folder', () => {
    expect(configSchemaPath()).toBe(path.join(ROOT, 'schema', 'tenantseed.config.schema.json'));
    expect(fs.readdirSync(path.join(ROOT, 'schema')).sort()).toEqual(['definition.schema.json', 'profile.schema.json', 'tenantseed.config.schema.json']);
    expect(packageJson.files).toContain('schema');
    // An editor opens the config's "$schema" from node_modules/tenantseed/schema/.
    expect(read('tenantseed.config.schema.json').properties.$schema.description).toContain('./node_modules/tenantseed/schema/tenantseed.config.schema.json');
  });
});
