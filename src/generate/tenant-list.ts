const INDEX = /^(?:0|[1-9]\d*)$/;

function refuse(): never {
  throw new TypeError('a plan\'s tenant list is read-only');
}

/**
 * An array of `count` items, read-only, that makes item `i` (with `make(i)`) only when it is
 * read, and keeps none: a plan over 100 million tenants holds two numbers, not 100 million
 * objects. It is an array to every reader (`Array.isArray`, `length`, indices, iteration,
 * `map`/`filter`/`slice`, `Object.keys`), so code written for an array reads it unchanged. Each
 * read makes the item afresh: `make` must be pure (the same `i` gives an equal item).
 *
 * @example
 * const tenants = lazyTenantList(50_000, (i) => ({ index: i, key: `#${i}` }));
 * tenants[49_999].key // '#49999', made now; tenants.length // 50000
 */
export function lazyTenantList<T>(count: number, make: (index: number) => T): readonly T[] {
  const target: T[] = [];
  target.length = count;
  const indexOf = (prop: string | symbol): number | undefined => {
    if (typeof prop !== 'string' || !INDEX.test(prop)) return undefined;
    const i = Number(prop);
    return i < count ? i : undefined;
  };
  return new Proxy(target, {
    get(t, prop, receiver) {
      const i = indexOf(prop);
      return i === undefined ? Reflect.get(t, prop, receiver) : make(i);
    },
    has(t, prop) {
      return indexOf(prop) !== undefined || Reflect.has(t, prop);
    },
    ownKeys(t) {
      return [...Array.from({ length: count }, (_, i) => String(i)), ...Reflect.ownKeys(t)];
    },
    getOwnPropertyDescriptor(t, prop) {
      const i = indexOf(prop);
      return i === undefined ? Reflect.getOwnPropertyDescriptor(t, prop) : { value: make(i), writable: false, enumerable: true, configurable: true };
    },
    set: refuse,
    defineProperty: refuse,
    deleteProperty: refuse,
    setPrototypeOf: refuse,
    preventExtensions: refuse,
  });
}
