import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAME, configSchemaPath, shippedProjectConfig } from '../config';
import { UsageError } from '../errors';

/** Options of {@link initProject}. */
export interface InitProjectOptions {
  /** The project folder. Default: the working folder. */
  directory?: string;
}

/** What {@link initProject} wrote, relative to the project folder. */
export interface InitProjectResult {
  readonly directory: string;
  readonly files: readonly string[];
}

const LAYOUT = { migrations: 'db/migrations', definitions: 'db/definitions', environments: 'db/environments' } as const;

/**
 * `tenantseed init`: writes tenantseed.config.json and copies of the reference migrations,
 * definitions and environment profiles (under db/) into a project, as a starting point to
 * edit. Refuses, before writing anything, when any of those files exists already.
 *
 * @example
 * initProject({ directory: '/app' }).files // ['tenantseed.config.json', 'db/migrations/...', ...]
 */
export function initProject(options: InitProjectOptions = {}): InitProjectResult {
  const directory = path.resolve(options.directory ?? process.cwd());
  const shipped = shippedProjectConfig();
  const copies: Array<{ from: string; to: string }> = [];
  for (const [key, target] of Object.entries(LAYOUT) as Array<[keyof typeof LAYOUT, string]>) {
    const source = shipped[key]!;
    for (const file of fs.readdirSync(source).filter((f) => /\.(ts|json)$/.test(f) && !f.endsWith('.d.ts')).sort()) {
      copies.push({ from: path.join(source, file), to: path.join(target, file) });
    }
  }
  const schemaPath = path.relative(directory, configSchemaPath()).split(path.sep).join('/');
  const config = {
    $schema: schemaPath.startsWith('.') ? schemaPath : `./${schemaPath}`,
    ...LAYOUT,
    schemas: [...shipped.schemas],
    tenancy: { ...shipped.tenancy },
  };
  const files = [CONFIG_FILE_NAME, ...copies.map((c) => c.to)];
  const existing = files.filter((f) => fs.existsSync(path.join(directory, f)));
  if (existing.length > 0) {
    throw new UsageError(`init would overwrite ${existing.length} file(s) in ${directory}: ${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ', ...' : ''}`, {
      hint: 'Nothing was written. Run it in a folder without them (--dir), or move them away first.',
    });
  }
  for (const copy of copies) {
    fs.mkdirSync(path.dirname(path.join(directory, copy.to)), { recursive: true });
    fs.copyFileSync(copy.from, path.join(directory, copy.to), fs.constants.COPYFILE_EXCL);
  }
  fs.writeFileSync(path.join(directory, CONFIG_FILE_NAME), JSON.stringify(config, null, 2) + '\n', { flag: 'wx' });
  return { directory, files };
}
