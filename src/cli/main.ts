import yargs from 'yargs';
import { UsageError } from '../errors';
import { dbCommand } from './commands/db';
import { generateCommand } from './commands/generate';
import { initCommand } from './commands/init';
import { distributeCommand } from './commands/distribute';
import { introspectCommand } from './commands/introspect';
import { testDbCommand } from './commands/test-db';
import { migrateCommand } from './commands/migrate';
import { resetCommand, seedCommand } from './commands/seed';
import { tenantCommand } from './commands/tenant';
import { validateCommand } from './commands/validate';
import { EXIT, exitCodeFor } from './exit-codes';
import { single } from './dataset-options';
import { CliIO, printError, processIO } from './output';

/**
 * Runs the tenantseed command line and resolves to its exit code. Never calls process.exit
 * itself except on a second Ctrl-C, so it can be driven from tests.
 */
export async function runCli(argv: string[], io: CliIO = processIO): Promise<number> {
  let usageHelp: string | undefined;
  let exitCode: number = EXIT.ok;
  const setExitCode = (code: number) => {
    exitCode = code;
  };
  const parser = yargs(argv)
    .scriptName('tenantseed')
    .usage('$0 <command> [options]\n\nMulti-tenant PostgreSQL: migrate, seed, validate.')
    .option('database-url', {
      type: 'string',
      describe: 'PostgreSQL URL (else DATABASE_URL, else the embedded server)',
      global: true,
    })
    .option('config', {
      type: 'string',
      coerce: single('--config'),
      describe: 'Project config (else TENANTSEED_CONFIG, else the nearest tenantseed.config.json, else the shipped schema)',
      global: true,
    })
    .command(migrateCommand(io))
    .command(seedCommand(io, setExitCode))
    .command(resetCommand(io, setExitCode))
    .command(validateCommand(io, setExitCode))
    .command(tenantCommand(io))
    .command(generateCommand(io))
    .command(initCommand(io))
    .command(introspectCommand(io))
    .command(distributeCommand(io))
    .command(testDbCommand(io))
    .command(dbCommand(io))
    .demandCommand(1, 'Name a command.')
    .strict()
    .recommendCommands()
    .help()
    .version()
    .wrap(Math.min(100, process.stdout.columns ?? 100))
    .exitProcess(false)
    .fail((message, err, y) => {
      // yargs wraps errors thrown by option checks (coerce) in its own YError: bad input.
      if (err && err.name === 'YError') throw new UsageError(err.message, { hint: 'Run `tenantseed COMMAND --help` for the usage.' });
      if (err) throw err;
      y.showHelp((text: string) => {
        usageHelp = text;
      });
      throw new UsageError(message, { hint: 'Run `tenantseed --help` (or `tenantseed COMMAND --help`) for the usage.' });
    });
  try {
    await parser.parseAsync();
    return exitCode;
  } catch (err) {
    if (usageHelp !== undefined) io.stderr.write(`${usageHelp}\n\n`);
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
