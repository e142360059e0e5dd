import type { Argv, CommandModule } from 'yargs';
import { assertEnvironmentName } from '../../config';
import { loadDefinitions, loadProfile } from '../../definitions';
import { addTenant, assertNewTenantFlags, refuseProduction } from '../../workflows';
import { CliIO } from '../output';
import { ProjectArgs, projectFromArgs, single, withFolderOptions } from '../dataset-options';
import { DatabaseArgs, projectLabel, withDatabase } from '../with-database';
import type { CommandHelp } from '../command-help';

interface TenantAddArgs extends DatabaseArgs, ProjectArgs {
  env: string;
  slug: string;
  name?: string;
  template?: string;
  yes?: boolean;
  json?: boolean;
}

function addCommand(io: CliIO, help: CommandHelp): CommandModule<object, TenantAddArgs> {
  return {
    command: 'add',
    describe: 'Scaffold one tenant into a seeded database (deterministic from its slug)',
    builder: (yargs: Argv) =>
      help(withFolderOptions(yargs)
        .option('env', { type: 'string', demandOption: true, coerce: single('--env'), describe: 'Environment profile (its newTenant and counts)' })
        .option('slug', { type: 'string', demandOption: true, describe: 'The new tenant\'s slug' })
        .option('name', { type: 'string', coerce: single('--name'), describe: "The new tenant's name: replaces {name} in the profile's newTenant (required when it has one, refused when not)" })
        .option('template', { type: 'string', coerce: single('--template'), describe: "The natural key of the row that the profile's newTenant rows reference as {template} (refused when they have none)" })
        .option('yes', { type: 'boolean', describe: 'Confirm a database stamped as another environment' })
        .option('json', { type: 'boolean', describe: 'Machine-readable summary on stdout' }), 'tenant add') as unknown as Argv<TenantAddArgs>,
    handler: async (args) => {
      const env = assertEnvironmentName(args.env);
      refuseProduction('tenant add', env);
      const project = projectFromArgs(args);
      const definitions = loadDefinitions(project.definitions);
      const profile = loadProfile(project.environments, env);
      assertNewTenantFlags(profile, args.name, args.template);
      await withDatabase(args, io, 'tenant add', project, async ({ knex, logger, notices }) => {
        const result = await addTenant({ knex, definitions, profile, project, slug: args.slug, name: args.name, template: args.template, yes: args.yes, logger });
        for (const notice of result.notices) notices.add(notice);
        if (args.json) {
          io.stdout.write(JSON.stringify({ project: projectLabel(project), slug: args.slug, ...result, notices: notices.list }) + '\n');
          return;
        }
        for (const [table, n] of Object.entries(result.counts)) if (n > 0) io.stdout.write(`  ${table.padEnd(24)} ${String(n).padStart(7)} rows\n`);
        io.stdout.write(`Added tenant ${args.slug} (${result.tenantId}): ${result.rows} rows\n`);
        for (const login of result.logins) io.stdout.write(`Login: ${login.name} / ${login.password}\n`);
      });
    },
  };
}

/** `tenantseed tenant add --env ENV --slug SLUG --name NAME [--template SLUG]` */
export function tenantCommand(io: CliIO, help: CommandHelp = (y) => y): CommandModule {
  return {
    command: 'tenant <command>',
    describe: 'Manage tenants of a seeded database',
    builder: (yargs: Argv) => yargs.command(addCommand(io, help)).demandCommand(1, 'Name a tenant command: add.'),
    handler: () => undefined,
  };
}
