import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where a container runtime leaves a trace that testcontainers would find. */
function runtimeHints(env: NodeJS.ProcessEnv): string[] {
  const home = os.homedir();
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  return [
    '/var/run/docker.sock',
    path.join(home, '.docker', 'run', 'docker.sock'),
    path.join(home, '.docker', 'desktop', 'docker.sock'),
    env.XDG_RUNTIME_DIR ? path.join(env.XDG_RUNTIME_DIR, 'docker.sock') : '',
    uid !== undefined ? `/run/user/${uid}/docker.sock` : '',
    uid !== undefined ? `/run/user/${uid}/podman/podman.sock` : '',
    path.join(home, '.testcontainers.properties'),
  ].filter((p) => p !== '');
}

/** Options of {@link isContainerRuntimeAvailable}. */
export interface ContainerRuntimeCheckOptions {
  env?: NodeJS.ProcessEnv;
  /** Give up after this long (a runtime that answers slower is treated as absent). Default 3 s. */
  timeoutMs?: number;
}

/**
 * Whether testcontainers can reach a container runtime. When no socket, DOCKER_HOST or
 * testcontainers setting exists at all it answers at once, without loading testcontainers;
 * otherwise it asks testcontainers, bounded by `timeoutMs`.
 *
 * @example
 * if (await isContainerRuntimeAvailable()) { ... start a PostgreSqlContainer ... }
 */
export async function isContainerRuntimeAvailable(options: ContainerRuntimeCheckOptions = {}): Promise<boolean> {
  const env = options.env ?? process.env;
  const configured = Boolean(env.DOCKER_HOST || env.TESTCONTAINERS_HOST_OVERRIDE || env.TESTCONTAINERS_DOCKER_SOCKET_OVERRIDE);
  if (!configured && !runtimeHints(env).some((p) => fs.existsSync(p))) return false;
  // Loaded only here: importing testcontainers costs a few hundred milliseconds.
  const { getContainerRuntimeClient } = require('testcontainers') as typeof import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), options.timeoutMs ?? 3_000);
    timer.unref();
  });
  try {
    return await Promise.race([getContainerRuntimeClient().then(() => true, () => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
