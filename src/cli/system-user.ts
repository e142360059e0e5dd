import { execFileSync } from 'node:child_process';

/**
 * Creates a system user (no home, no login shell of its own) for the embedded PostgreSQL,
 * which refuses to run as root. Only the CLI does this, and it says so before it does.
 */
export function createSystemUser(name: string): void {
  execFileSync('useradd', ['--system', '--user-group', '--no-create-home', name], { stdio: 'ignore' });
}
