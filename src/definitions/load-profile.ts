import fs from 'node:fs';
import path from 'node:path';
import { ProfileError, quoteInput } from '../errors';
import { bestError, createAjv, describeAjvError } from './ajv';
import { PROFILE_SCHEMA } from './meta-schema';
import { readJsonFile } from './read-json-file';
import type { NamedTenant, Profile, SizeClass, WithoutTenant } from './types';

/** The environments a folder of profiles offers (file names without `.json`). */
export function listEnvironments(directory: string): string[] {
  if (!fs.existsSync(directory)) return [];
  return fs.readdirSync(directory).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
}

const DEFAULT_SIZES: readonly SizeClass[] = [{ share: 1, scale: 1 }];

/**
 * Loads the profile of an environment: `<directory>/<name>.json`, checked against the profile
 * schema. An unknown environment is a ProfileError that lists the known ones.
 *
 * @example
 * loadProfile('seeds/environments', 'test').namedTenants.map((t) => t.values.slug); // ['acme', 'globex', 'initech']
 */
export function loadProfile(directory: string, name: string): Profile {
  const file = path.join(directory, `${name}.json`);
  if (!fs.existsSync(file)) {
    const known = listEnvironments(directory);
    throw new ProfileError(`Unknown environment ${quoteInput(name)}: there is no ${file}`, {
      file,
      hint: known.length > 0 ? `Use one of: ${known.join(', ')} (or add ${name}.json to ${directory}).` : `Add ${name}.json to ${directory}, or pass --environments.`,
    });
  }
  const raw = readJsonFile(file, (message, hint) => new ProfileError(message, { file, hint }));
  const ajv = createAjv();
  const check = ajv.compile(PROFILE_SCHEMA);
  if (!check(raw)) {
    const error = bestError(check.errors ?? []);
    throw new ProfileError(`${file} at ${error.instancePath || '/'}: ${describeAjvError(error)}`, {
      file,
      hint: 'See docs/definitions.md for the format of a profile.',
    });
  }
  const p = raw as {
    description?: string; seed: number; referenceDate: string; locale?: string; protected?: boolean; collisions?: boolean; passwords?: string[];
    tenants: { named?: Array<Record<string, unknown>>; generated?: number; sizes?: SizeClass[] };
    newTenant?: { values?: Record<string, unknown>; rows?: Record<string, Record<string, unknown>[]> };
    counts: Record<string, number>; perTenant?: Record<string, number[]>; legacy?: Record<string, number>;
    withoutTenant?: Record<string, number | { count?: number; values?: Record<string, unknown>; rows?: Record<string, unknown>[] }>;
  };
  const sizes = p.tenants.sizes ?? DEFAULT_SIZES;
  const shares = sizes.reduce((sum, s) => sum + s.share, 0);
  if (Math.abs(shares - 1) > 1e-9) {
    throw new ProfileError(`${file} at /tenants/sizes: the shares add up to ${shares}, not 1`, { file, hint: 'Make the size classes\' shares sum to 1.' });
  }
  const namedTenants: NamedTenant[] = (p.tenants.named ?? []).map((entry) => {
    const { scale, rows, ...values } = entry as { scale?: number; rows?: Record<string, Record<string, unknown>[]>; [column: string]: unknown };
    // {"values": {...}, "scale", "rows"}: the tenant table's own columns may then be named
    // scale, rows or values, as the catalog has them.
    const explicit = Object.keys(values).length === 1 && typeof values.values === 'object' && values.values !== null && !Array.isArray(values.values);
    return { values: explicit ? values.values as Record<string, unknown> : values, scale: scale ?? 1, rows: rows ?? {} };
  });
  return Object.freeze({
    file,
    name,
    description: p.description ?? '',
    seed: p.seed,
    referenceDate: new Date(p.referenceDate).toISOString(),
    // Absent when not given: the dataset key (a digest of the profile) stays what it was.
    ...(p.locale !== undefined ? { locale: p.locale } : {}),
    protected: p.protected ?? false,
    collisions: p.collisions ?? false,
    passwords: p.passwords ?? ['tenantseed-dev-password'],
    namedTenants,
    newTenant: { values: p.newTenant?.values ?? {}, rows: p.newTenant?.rows ?? {} },
    generatedTenants: p.tenants.generated ?? 0,
    sizes,
    counts: p.counts,
    perTenant: p.perTenant ?? {},
    legacy: p.legacy ?? {},
    withoutTenant: readWithoutTenant(file, p.withoutTenant ?? {}),
  });
}

/** `withoutTenant`: a count, or {count, values, rows}, per table; the named rows come first and all take the values. */
function readWithoutTenant(file: string, raw: Record<string, number | { count?: number; values?: Record<string, unknown>; rows?: Record<string, unknown>[] }>): Record<string, WithoutTenant> {
  const out: Record<string, WithoutTenant> = {};
  for (const [table, entry] of Object.entries(raw)) {
    const spec = typeof entry === 'number' ? { count: entry } : entry;
    const values = spec.values ?? {};
    const rows = (spec.rows ?? []).map((row) => ({ ...values, ...row }));
    const count = spec.count ?? rows.length;
    if (count < rows.length) {
      throw new ProfileError(`${file} at /withoutTenant/${table}/count: ${count} is fewer than the ${rows.length} named rows`, { file, hint: 'Raise "count", or leave it out (it is then the number of named rows).' });
    }
    out[table] = Object.freeze({ count, values, rows });
  }
  return out;
}
