import fs from 'node:fs';
import path from 'node:path';

/** The folder of tenantseed's own package.json (the repository or the installed package). */
export function packageRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, 'utf8')).name === 'tenantseed') return dir;
    if (path.dirname(dir) === dir) throw new Error(`tenantseed's package.json was not found above ${from}`);
  }
}
