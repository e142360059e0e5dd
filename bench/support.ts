import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { packageRoot, ProjectConfig } from '../src/config';

/** Helpers the benchmark's parts share. */
export const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
export const log = (message: string) => process.stderr.write(`${message}\n`);

export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs the CLI's own code in a child process and returns its JSON summary and peak RSS. */
export function seedInChild(url: string, project: ProjectConfig, env: string, tenants: number | undefined): Promise<{ summary: { seconds: number; rows: number }; peakRssMb: number }> {
  const cli = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
  const config = project.file ? ['--config', project.file] : [];
  const args = ['--database-url', url, ...config, 'seed', '--env', env, '--json', ...(tenants ? ['--tenants', String(tenants)] : [])];
  // exitCode, not exit(): process.exit() would cut a large --json summary still in the pipe.
  const script = `process.on('exit', () => process.stderr.write('maxrss ' + process.resourceUsage().maxRSS + '\\n')); require(${JSON.stringify(cli)}).runCli(${JSON.stringify(args)}).then((code) => { process.exitCode = code; });`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => {
      const rss = /maxrss (\d+)/.exec(err);
      if (code !== 0 || !rss) return reject(new Error(`seed failed (${code}): ${err}`));
      resolve({ summary: JSON.parse(out), peakRssMb: Math.round(Number(rss[1]) / 1024) });
    });
  });
}

