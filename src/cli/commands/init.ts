import type { Argv, CommandModule } from 'yargs';
import { initProject } from '../../workflows';
import { CliIO } from '../output';
import { single } from '../dataset-options';

interface InitArgs {
  dir?: string;
}

/** `tenantseed init [--dir DIR]`: a config and copies of the reference files, to edit. */
export function initCommand(io: CliIO): CommandModule<object, InitArgs> {
  return {
    command: 'init',
    describe: 'Start a project: tenantseed.config.json and copies of the reference migrations, definitions and profiles',
    builder: (yargs: Argv) =>
      yargs.option('dir', { type: 'string', coerce: single('--dir'), describe: 'Project folder (default: the working folder)' }) as unknown as Argv<InitArgs>,
    handler: (args) => {
      const result = initProject({ directory: args.dir });
      for (const file of result.files) io.stdout.write(`  wrote ${file}\n`);
      io.stdout.write(`Started a tenantseed project in ${result.directory}.\n`);
      io.stdout.write('Edit db/migrations, db/definitions and db/environments for your schema, then: npx tenantseed reset --env development\n');
    },
  };
}
