#!/usr/bin/env node
// npm run test:properties -- [--seed N] [--runs N] [--other-node PATH]
// Runs the property-based tests (the generator's, and password redaction's) with a seed (to replay a failure fast-check printed),
// more cases, or a second Node binary for the cross-process identity test.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const env = { ...process.env };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const value = args[i + 1];
  if (args[i] === '--seed') env.TENANTSEED_PROPERTY_SEED = value;
  else if (args[i] === '--runs') env.TENANTSEED_PROPERTY_RUNS = value;
  else if (args[i] === '--other-node') env.TENANTSEED_OTHER_NODE = value;
  else {
    process.stderr.write(`unknown argument ${args[i]} (use --seed N, --runs N, --other-node PATH)\n`);
    process.exit(2);
  }
  i++;
}
const jest = path.join(__dirname, '..', 'node_modules', 'jest', 'bin', 'jest.js');
const result = spawnSync(process.execPath, [jest, 'test/unit/generate/properties.test.ts', 'test/unit/config/password-redaction.test.ts', '--selectProjects', 'unit'], { stdio: 'inherit', env, cwd: path.join(__dirname, '..') });
process.exit(result.status ?? 1);
