import { UsageError } from '../errors';

/** A PostgreSQL connection URL, parsed, with the parts that are safe to print. */
export interface DatabaseTarget {
  /** The full URL, password included: never print it. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
}

const PROTOCOLS = new Set(['postgres:', 'postgresql:']);

/**
 * Parses a PostgreSQL URL, refusing anything that is not `postgres://` or `postgresql://`.
 *
 * @param origin where the URL came from (`--database-url`, `DATABASE_URL`), named in errors.
 * @example
 * parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/app', '--database-url').port // 5432
 */
export function parseDatabaseUrl(url: string, origin: string): DatabaseTarget {
  const shown = redactSecrets(url, passwordsIn(url));
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`${origin} is not a valid URL: ${shown}`, {
      hint: 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
    });
  }
  if (!PROTOCOLS.has(parsed.protocol)) {
    throw new UsageError(`${origin} must start with postgres:// or postgresql://, not ${parsed.protocol}//`, {
      hint: 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
    });
  }
  // A raw `/ ? #` in the password ends the host part early (postgres://u:12/ab@db parses as
  // host u, port 12, database "ab@db"); a stray `%` breaks the driver's decoding. Both refused.
  const afterScheme = url.slice(url.indexOf('//') + 2);
  if (afterScheme.includes('@') && /[/?#]/.test(afterScheme.slice(0, afterScheme.lastIndexOf('@')))) {
    throw new UsageError(`${origin} is not a valid URL: its user or password holds an unencoded / ? # or @: ${shown}`, {
      hint: 'Percent-encode the password (encodeURIComponent: / is %2F, ? is %3F, # is %23, @ is %40, % is %25).',
    });
  }
  for (const part of [parsed.username, parsed.password]) {
    try {
      decodeURIComponent(part);
    } catch {
      throw new UsageError(`${origin} is not a valid URL: its user or password holds a % that starts no %XX escape: ${shown}`, {
        hint: 'Percent-encode the password (encodeURIComponent: % is %25).',
      });
    }
  }
  const port = parsed.port === '' ? 5432 : Number(parsed.port);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  const user = decodeURIComponent(parsed.username);
  return Object.freeze({
    url,
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
    port,
    database: database || user || 'postgres',
    user: user || 'postgres',
  });
}

/**
 * A one-line description of a database that never contains the password.
 *
 * @example
 * describeDatabase(parseDatabaseUrl('postgres://u:secret@db:5433/app', 'x')) // 'app on db:5433 as u'
 */
export function describeDatabase(target: DatabaseTarget): string {
  return `${target.database} on ${target.host}:${target.port} as ${target.user}`;
}

/**
 * Passwords in any text replaced by `***`, for messages: every connection-string form we may
 * echo. In a URL (`scheme://user:PASSWORD@host`), the password runs to the last `@` of the
 * whitespace-free run, so a raw password with `/ @ % : ? #` is masked whole; in key=value
 * strings and URL queries, `password=VALUE` (quoted `'...'` with `\'` escapes, or to the next
 * whitespace); and each of `secrets` (passwords known to the caller, raw and as they may be
 * encoded) wherever it appears. Masking too much is harmless; too little is not.
 *
 * @example
 * redactSecrets('bad: postgres://u:p/a@ss@db/app') // 'bad: postgres://u:***@db/app'
 * redactSecrets("host=db password='it''s' user=u") // "host=db password=*** user=u"
 */
export function redactSecrets(text: string, secrets: Iterable<string> = []): string {
  let out = text;
  for (const secret of new Set([...secrets].flatMap(secretForms))) out = out.split(secret).join('***');
  // `USER:PASSWORD@` is our own hints' placeholder, not a secret: left as written.
  out = out.replace(/([a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^\s:/?#]*:)(?!PASSWORD@)\S*@/g, '$1***@');
  out = out.replace(/(\b(?:pg)?password\s*=\s*)(?:'(?:[^'\\]|\\.)*'?|[^\s'][^\s]*)/gi, '$1***');
  return out;
}

/** Secrets shorter than this are not searched for in text (they would mask ordinary words). */
const MIN_SECRET_LENGTH = 4;

function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const forms = [secret, encodeURIComponent(secret)];
  try {
    forms.push(decodeURIComponent(secret));
  } catch {
    // Not percent-encoded: the raw form is enough.
  }
  return forms.filter((f) => f.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * The passwords a connection string carries, as far as they can be told: the URL's (raw, up to
 * the last `@`, and as parsed), a key=value string's or a query's `password=`. For
 * {@link redactSecrets}.
 *
 * @example
 * passwordsIn('postgres://u:p%2Fw@db/app') // ['p%2Fw']
 */
export function passwordsIn(connection: string | undefined): string[] {
  if (!connection) return [];
  const found: string[] = [];
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^\s:/?#]*:(.*)@/is.exec(connection);
  if (url) found.push(url[1]);
  try {
    if (new URL(connection).password) found.push(new URL(connection).password);
  } catch {
    // Not a URL.
  }
  for (const m of connection.matchAll(/\b(?:pg)?password\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s&]+))/gi)) {
    const value = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2];
    if (value) found.push(value);
  }
  return found;
}

/** The URL with any password replaced by `***`, for messages ({@link redactSecrets}). */
export function redactUrl(url: string): string {
  return redactSecrets(url);
}
