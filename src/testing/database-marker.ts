import { randomBytes } from 'node:crypto';

/**
 * The marker the testing API writes in the comment of each database it makes, and the only
 * thing (with the name prefix) that lets `test-db prune` drop a database. It parses exactly or
 * not at all: the versioned prefix, then a JSON object with exactly these fields in this order,
 * written as `JSON.stringify` writes it, and nothing after. Any other comment (an earlier
 * version's, a look-alike someone wrote, the marker with a field added or text appended) is not
 * ours, and its database is left alone.
 */
export const MARKER_FORMAT = 'tenantseed-test-db/v2';
const PREFIX = `${MARKER_FORMAT} `;
const KINDS = ['template', 'pool', 'test', 'kept'] as const;
const FIELDS = ['format', 'kind', 'key', 'created', 'run'] as const;

/** What the marker says about a database. */
export interface DatabaseMarker {
  readonly kind: typeof KINDS[number];
  /** The template key it belongs to (20 hex digits). */
  readonly key: string;
  /** ISO time it was made. */
  readonly created: string;
  /** The run (one process of the testing API) that wrote the marker: 32 hex digits. */
  readonly run: string;
}

/** This process's run id, written into every marker it writes. */
export const RUN_ID = randomBytes(16).toString('hex');

/** The comment that marks a database. */
export function formatMarker(marker: Pick<DatabaseMarker, 'kind' | 'key'> & Partial<DatabaseMarker>): string {
  const full = { format: MARKER_FORMAT, kind: marker.kind, key: marker.key, created: marker.created ?? new Date().toISOString(), run: marker.run ?? RUN_ID };
  return PREFIX + JSON.stringify(full);
}

/** The marker a comment carries, or undefined when the comment is not exactly one we write. */
export function parseMarker(comment: string | null | undefined): DatabaseMarker | undefined {
  if (typeof comment !== 'string' || !comment.startsWith(PREFIX)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(comment.slice(PREFIX.length));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields = value as Record<string, unknown>;
  if (Object.keys(fields).join() !== FIELDS.join()) return undefined;
  const { format, kind, key, created, run } = fields;
  if (format !== MARKER_FORMAT || !KINDS.includes(kind as DatabaseMarker['kind'])) return undefined;
  if (typeof key !== 'string' || !/^[0-9a-f]{20}$/.test(key)) return undefined;
  if (typeof run !== 'string' || !/^[0-9a-f]{32}$/.test(run)) return undefined;
  if (typeof created !== 'string' || Number.isNaN(Date.parse(created)) || new Date(created).toISOString() !== created) return undefined;
  const marker: DatabaseMarker = { kind: kind as DatabaseMarker['kind'], key, created, run };
  // Written exactly as we write it: no spaces, escapes or text that JSON.parse forgave.
  return formatMarker(marker) === comment ? marker : undefined;
}
