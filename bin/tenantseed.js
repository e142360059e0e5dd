#!/usr/bin/env node
'use strict';
let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND' && /dist[\\/]src[\\/]cli[\\/]main/.test(err.message)) {
    process.stderr.write('error: tenantseed is not built (dist/ is missing)\nhint: run `npm run build` (npm ci runs it for you).\n');
    process.exit(1);
  }
  throw err;
}
cli.main();
