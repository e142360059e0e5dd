#!/usr/bin/env node
// Part of `npm run build`: writes the definitions' meta-schema validator as ajv standalone code
// beside the built module that loads it (dist/src/definitions/meta-validator.generated.js), so
// that no command compiles the meta-schema at start-up (160-190 ms for ajv). The module checks
// the digest the file carries and compiles at run time when it differs.
const fs = require('node:fs');
const path = require('node:path');
const { metaValidatorSource, GENERATED_FILE } = require('../dist/src/definitions/meta-validator');

const file = path.join(__dirname, '..', 'dist', 'src', 'definitions', GENERATED_FILE);
fs.writeFileSync(file, metaValidatorSource());
