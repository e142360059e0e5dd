import fc from 'fast-check';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { closestCommand, editDistance, listedCommands, projectEnvironments, usageLine } from '../../../src/cli/command-help';

const COMMANDS = ['migrate', 'seed', 'reset', 'validate', 'tenant', 'generate', 'types', 'init', 'introspect', 'distribute', 'test-db', 'db'];

describe('command suggestions', () => {
  it('suggests a command one or two edits away, and nothing for a word far from every command', () => {
    expect(closestCommand('sed', COMMANDS)).toBe('seed');
    expect(closestCommand('migarte', COMMANDS)).toBe('migrate');
    expect(closestCommand('Reset', COMMANDS)).toBe('reset');
    expect(closestCommand('foo', COMMANDS)).toBeUndefined();
    expect(closestCommand('frobnicate', COMMANDS)).toBeUndefined();
  });

  it('never suggests a command further than one edit (short words) or two edits (longer ones)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcdeilmnorstuvg-'), minLength: 1, maxLength: 12 }), (word) => {
        const suggestion = closestCommand(word, COMMANDS);
        const limit = word.length <= 4 ? 1 : 2;
        if (suggestion === undefined) expect(COMMANDS.every((c) => editDistance(word, c) > limit)).toBe(true);
        else expect(editDistance(word, suggestion)).toBeLessThanOrEqual(limit);
      }),
      { seed: 33 },
    );
  });

  it('measures the edit distance as Levenshtein does', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'db')).toBe(2);
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => editDistance(a, b) === editDistance(b, a)), { seed: 33 });
  });
});

describe('usage line', () => {
  it('is the help text\'s first line, the required options and [options]', () => {
    const help = [
      'tenantseed tenant add', '', 'Scaffold one tenant', '', 'Options:',
      '  --env           Environment profile                                        [string] [required]',
      '  --slug          The new tenant\'s slug, described on',
      '                  two lines                                                  [string] [required]',
      '  --name          The name                                                            [string]',
    ].join('\n');
    expect(usageLine(help)).toBe('tenantseed tenant add --env ENV --slug SLUG [options]');
    expect(usageLine('tenantseed db <action>\n\nOptions:\n  --help  Show help  [boolean]')).toBe('tenantseed db <action>');
  });

  it('lists the commands of a help text', () => {
    const help = 'tenantseed <command>\n\nCommands:\n  tenantseed migrate [action]   Run\n  tenantseed test-db <command>  Manage\n                                more\n  tenantseed db <action>        Db\n\nOptions:\n  --help';
    expect(listedCommands(help)).toEqual(['migrate', 'test-db', 'db']);
  });
});

describe('the environments --env help lists', () => {
  it('reads the environments folder that --environments or the config names', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-envs-help-'));
    fs.mkdirSync(path.join(dir, 'envs'));
    for (const name of ['qa', 'demo']) fs.writeFileSync(path.join(dir, 'envs', `${name}.json`), '{}');
    expect(projectEnvironments(['seed', '--environments', path.join(dir, 'envs'), '--help'])?.names).toEqual(['demo', 'qa']);
    fs.mkdirSync(path.join(dir, 'definitions'));
    fs.writeFileSync(path.join(dir, 'tenantseed.config.json'), JSON.stringify({ definitions: 'definitions', environments: 'envs' }));
    expect(projectEnvironments(['seed', '--config', path.join(dir, 'tenantseed.config.json')], {})).toEqual({ names: ['demo', 'qa'], folder: path.join(dir, 'envs') });
    expect(projectEnvironments(['seed', '--config', path.join(dir, 'missing.json')], {})).toBeUndefined();
  });
});
