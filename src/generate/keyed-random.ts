/**
 * Keyed randomness: every value derives from a key (seed, table, tenant, row, column), never
 * from a position in one long stream, so adding a tenant, a row or a column changes no other
 * value. Fast 32-bit integer mixing (no crypto) because it runs for every value.
 */

/** murmur3's 32-bit finaliser: a good avalanche on 32-bit integers. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit hash of a string (FNV-1a, then mixed), combined with a seed. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h ^ text.length);
}

/** Combines two 32-bit keys into one. */
export function combine(a: number, b: number): number {
  return mix32((a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) >>> 0);
}

/**
 * A bijection on 32-bit integers keyed by `key`: distinct inputs give distinct outputs, so
 * ids built on it are unique by construction.
 */
export function permute32(x: number, key: number): number {
  x = (x ^ key) >>> 0;
  x = Math.imul(x, 0x9e3779b1) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x2c1b3c6d | 1) >>> 0;
  x ^= x >>> 12;
  x = (x + key) >>> 0;
  x = Math.imul(x, 0x297a2d39 | 1) >>> 0;
  x ^= x >>> 15;
  return x >>> 0;
}

/** A small PRNG (mulberry32) started from a key: the draws of one value. */
export class KeyedRandom {
  private state: number;

  constructor(key: number) {
    this.state = key >>> 0;
  }

  /** Starts over from another key (so one instance serves many values without allocating). */
  reset(key: number): this {
    this.state = key >>> 0;
    return this;
  }

  /** A 32-bit unsigned integer. */
  nextUint32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * An integer in [0, n) by jump consistent hashing (Lamping and Veach): when n grows to n',
   * a draw changes only if it moves to one of the new values [n, n'), which happens with
   * probability (n' - n) / n'. References use it, so raising a parent's count re-points only
   * the references that now pick a new parent.
   */
  jump(n: number): number {
    let b = -1;
    let j = 0;
    while (j < n) {
      b = j;
      j = Math.floor((b + 1) / ((this.nextUint32() + 1) / 4294967296));
    }
    return b;
  }

  /** An integer in [min, max], both included. */
  between(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

/** The two ASCII hex digits of each byte value. */
const HEX_DIGITS = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  const hex = i.toString(16).padStart(2, '0');
  HEX_DIGITS[2 * i] = hex.charCodeAt(0);
  HEX_DIGITS[2 * i + 1] = hex.charCodeAt(1);
}

/** Where keyedUuid spells its text: one string is made from it at the end. */
const uuidText = Buffer.from('00000000-0000-4000-0000-000000000000', 'latin1');

/** Writes the byte `(word >>> shift) & 255` as two hex digits at `at`. */
function hexByte(word: number, shift: number, at: number): void {
  const b = (word >>> shift) & 255;
  uuidText[at] = HEX_DIGITS[2 * b];
  uuidText[at + 1] = HEX_DIGITS[2 * b + 1];
}

/**
 * A version-4-shaped UUID whose first 32 bits are a bijection of `row` (keyed by `key`): rows
 * of one table and tenant never share an id. The other bits are keyed noise.
 *
 * It is spelled into a buffer and read out as one flat string: built from pieces, the string
 * was a tree of joined strings that every later reader (COPY's escaping, UTF-8 encoding) had
 * to flatten first, which cost more than making it.
 */
export function keyedUuid(key: number, row: number): string {
  const w0 = permute32(row, key);
  const w1 = combine(key, w0);
  const w2 = combine(w1, row);
  const w3 = combine(w2, key ^ 0x5bd1e995);
  const c = ((w2 & 0x3fffffff) | 0x80000000) >>> 0;
  // xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx: w0, then w1 without its fifth digit, c, w3.
  hexByte(w0, 24, 0); hexByte(w0, 16, 2); hexByte(w0, 8, 4); hexByte(w0, 0, 6);
  hexByte(w1, 24, 9); hexByte(w1, 16, 11);
  uuidText[15] = HEX_DIGITS[2 * ((w1 >>> 8) & 255) + 1];
  hexByte(w1, 0, 16);
  hexByte(c, 24, 19); hexByte(c, 16, 21); hexByte(c, 8, 24); hexByte(c, 0, 26);
  hexByte(w3, 24, 28); hexByte(w3, 16, 30); hexByte(w3, 8, 32); hexByte(w3, 0, 34);
  return uuidText.toString('latin1', 0, 36);
}

/** A UUID from a cryptographic hash of a name: for named fixtures, stable whatever the seed. */
export function namedUuid(digestHex: string): string {
  const h = digestHex;
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
