import pg from 'pg';
import { testServer } from './database';

/** Runs `fn` on a connection to the run's server: its maintenance database, or `database`. */
export async function onServer<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(testServer().url);
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
