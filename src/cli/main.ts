import yargs from 'yargs';
import { UsageError } from '../errors';
import { dbCommand } from './commands/db';
import { generateCommand } from './commands/generate';
import { initCommand } from './commands/init';
import { distributeCommand } from './commands/distribute';
import { introspectCommand } from './commands/introspect';
import { compareCommand } from './commands/compare';
import { testDbCommand } from './commands/test-db';
import { migrateCommand } from './commands/migrate';
import { resetCommand, seedCommand } from './commands/seed';
import { tenantCommand } from './commands/tenant';
import { validateCommand } from './commands/validate';
import { typesCommand } from './commands/types';
import { EXIT, exitCodeFor } from './exit-codes';
import { closestCommand, commandWith, listedCommands, usageLine, withCommandHelp } from './command-help';
import { CliIO, printError, processIO } from './output';

/**
 * Runs the tenantseed command line and resolves to its exit code. Never calls process.exit
 * itself except on a second Ctrl-C, so it can be driven from tests.
 */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const help = <T>(y: import('yargs').Argv<T>, path: string) => withCommandHelp(y, path, argv);
  const both = ['database-url', 'config'] as const;
  const parser = yargs(argv)
    .scriptName('tenantseed')
    .usage('$0 <command> [options]\n\nMulti-tenant PostgreSQL: migrate, seed, validate.')
    // --database-url and --config are declared by the commands they act on (command-help.ts).
    .command(commandWith(migrateCommand(io), 'migrate', both, argv))
    .command(commandWith(seedCommand(io, setExitCode), 'seed', both, argv))
    .command(commandWith(resetCommand(io, setExitCode), 'reset', both, argv))
    .command(commandWith(validateCommand(io, setExitCode), 'validate', both, argv))
    .command(commandWith(tenantCommand(io, help), 'tenant', both, argv))
    .command(commandWith(generateCommand(io), 'generate', ['config', 'database-url'], argv))
    .command(commandWith(typesCommand(io), 'types', ['config'], argv))
    .command(commandWith(initCommand(io), 'init', [], argv))
    .command(commandWith(introspectCommand(io), 'introspect', both, argv))
    .command(commandWith(compareCommand(io, setExitCode), 'compare', both, argv))
    .command(commandWith(distributeCommand(io), 'distribute', both, argv))
    .command(commandWith(testDbCommand(io, help), 'test-db', ['database-url'], argv))
    .command(commandWith(dbCommand(io), 'db', [], argv))
    .epilogue('`tenantseed COMMAND --help` shows its options and examples.')
    .demandCommand(1, 'Name a command.')
    .strict()
    .help()
    .version()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, err, y) => {
      // yargs wraps errors thrown by option checks (coerce) in its own YError: bad input.
      if (err && err.name === 'YError') throw new UsageError(err.message, { hint: 'Run `tenantseed COMMAND --help` for the usage.' });
      if (err) throw err;
      let text = '';
      y.showHelp((t: string) => {
        text = t;
      });
      const usage = usageLine(text);
      const command = text.split('\n')[0].split(' ').filter((w) => /^[\w-]+$/.test(w)).join(' ');
      const unknown = /^Unknown arguments?: (.+)$/.exec(message)?.[1].split(', ');
      if (unknown) {
        // yargs names an unknown --flag-name twice (flagName too); a flag is shown as given.
        const words = unknown.filter((w) => !/[A-Z]/.test(w) || !unknown.includes(w.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
        const shown = words.map((w) => (argv.some((a) => a === `--${w}` || a.startsWith(`--${w}=`)) ? `--${w}` : w));
        // An unknown word where a command belongs: suggest only a close one.
        const suggestion = words.map((word) => closestCommand(word, listedCommands(text))).find((name) => name !== undefined);
        message = `Unknown argument${shown.length > 1 ? 's' : ''}: ${shown.join(', ')}`
          + (suggestion ? `. Did you mean ${suggestion}?` : shown.some((w) => w.startsWith('--')) ? ` (not an option of ${command})` : '');
      }
      throw new UsageError(`${message}\nusage: ${usage}`, { hint: `See \`${command} --help\`.` });
    });
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (err) {
    printError(io, err);
    return exitCodeFor(err);
  }
}

/** The `tenantseed` binary's entry point. */
export function main(): void {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      printError(processIO, err);
      process.exitCode = EXIT.failed;
    },
  );
}
