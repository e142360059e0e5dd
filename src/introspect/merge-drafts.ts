/** What {@link mergeDrafts} made of a file drafted again. */
export interface MergedDraft {
  readonly merged: unknown;
  /** JSON pointers of what the new draft no longer has and the file had: dropped, to report. */
  readonly removed: readonly string[];
  /** JSON pointers of the hand edits kept over the new draft's value. */
  readonly kept: readonly string[];
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function pointer(path: readonly string[]): string {
  return '/' + path.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

/**
 * A three-way merge of a drafted JSON file, by key: `base` is what introspect drafted last time,
 * `ours` the file as it is now (with the team's hand edits), `theirs` the new draft of the
 * changed schema. A value the team edited (ours differs from base) wins over the new draft; an
 * unedited value takes the new draft's; keys the new draft adds (a new column) are added; keys
 * it no longer has (a removed column) are dropped and reported; keys only the team added stay.
 * Arrays are values (a `required` list, an enum), not merged element by element.
 *
 * @example
 * mergeDrafts({ a: 1 }, { a: 2 }, { a: 1, b: 3 }) // { merged: { a: 2, b: 3 }, removed: [], kept: ['/a'] }
 */
export function mergeDrafts(base: unknown, ours: unknown, theirs: unknown): MergedDraft {
  const removed: string[] = [];
  const kept: string[] = [];
  // What an unedited part of the file had that the new draft has not: dropped with it, reported.
  const gone = (o: unknown, t: unknown, path: string[]): void => {
    if (!isObject(o) || !isObject(t)) return;
    for (const key of Object.keys(o)) {
      if (!(key in t)) removed.push(pointer([...path, key]));
      else gone(o[key], t[key], [...path, key]);
    }
  };
  const merge = (b: unknown, o: unknown, t: unknown, path: string[]): unknown => {
    if (same(o, b)) {
      gone(o, t, path);
      return t;
    }
    if (isObject(o) && isObject(t)) {
      const from = isObject(b) ? b : {};
      const out: Json = {};
      for (const key of Object.keys(t)) {
        if (key in o) out[key] = merge(from[key], o[key], t[key], [...path, key]);
        else if (!(key in from)) out[key] = t[key];
        // else: the team removed a drafted key; it stays removed.
      }
      for (const key of Object.keys(o)) {
        if (key in t) continue;
        if (key in from) removed.push(pointer([...path, key]));
        else out[key] = o[key];
      }
      return out;
    }
    if (same(o, t)) return t;
    kept.push(pointer(path));
    return o;
  };
  const merged = merge(base, ours, theirs, []);
  return { merged, removed, kept };
}
