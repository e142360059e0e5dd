#!/usr/bin/env node
// Writes the JSON Schemas of definitions and profiles that the package publishes (schema/),
// from the meta-schemas the code validates with (src/definitions/meta-schema.ts), for editors.
// Run after `npm run build`; test/unit/config/published-schemas.test.ts fails when they differ.
const fs = require('node:fs');
const path = require('node:path');
const { publishedSchemas } = require('../dist/src/definitions/published-schemas');

for (const [file, schema] of Object.entries(publishedSchemas())) {
  fs.writeFileSync(path.join(__dirname, '..', 'schema', file), JSON.stringify(schema, null, 2) + '\n');
  process.stdout.write(`wrote schema/${file}\n`);
}
