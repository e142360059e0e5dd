import fs from 'node:fs';
import path from 'node:path';
import type { Argv, CommandModule } from 'yargs';
import { definitionTypes, loadDefinitions } from '../../definitions';
import { projectFromArgs, ProjectArgs, single, withFolderOptions } from '../dataset-options';
import { CliIO } from '../output';

interface TypesArgs extends ProjectArgs {
  out: string;
}

/** `tenantseed types --out FILE`: the columns of each definition as TypeScript types. */
export function typesCommand(io: CliIO): CommandModule<object, TypesArgs> {
  return {
    command: 'types',
    describe: 'Write the columns of each table definition as TypeScript types (for createTestDatabase<Tables>())',
    builder: (yargs: Argv) =>
      withFolderOptions(yargs)
        .option('out', { type: 'string', demandOption: true, coerce: single('--out'), describe: 'The .ts file to write' }) as unknown as Argv<TypesArgs>,
    handler: (args) => {
      const project = projectFromArgs(args);
      const definitions = loadDefinitions(project.definitions);
      const out = path.resolve(args.out);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, definitionTypes(definitions));
      io.stdout.write(`Wrote the row types of ${definitions.tables.length} tables to ${args.out}\n`);
    },
  };
}
