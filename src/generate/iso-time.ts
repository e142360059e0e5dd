/**
 * `Date.prototype.toISOString` and `Date.parse` for the timestamps the generator makes, without
 * a Date object per value: the dates of a million-row dataset cost a fifth of its generation
 * that way (docs/performance.md). Both give exactly what the built-ins give; anything outside
 * years 1000-9999 is handed to them.
 */

const DAY_MS = 86_400_000;
/** 1000-01-01 and 10000-01-01 in milliseconds since 1970. */
const FIRST_MS = -30_610_224_000_000;
const END_MS = 253_402_300_800_000;

/** Each number below 100 as two ASCII digits (tens in the low byte). */
const TWO_DIGITS = new Uint16Array(100);
for (let i = 0; i < 100; i++) TWO_DIGITS[i] = (48 + Math.floor(i / 10)) | ((48 + (i % 10)) << 8);

/** Where isoString spells its text: one flat string is made from it at the end. */
const isoText = Buffer.from('1970-01-01T00:00:00.000Z', 'latin1');
/** The day (days since 1970) whose date isoText holds now. */
let isoTextDay = 0;

/** Writes a number below 100 as two digits at `at`. */
function putTwo(value: number, at: number): void {
  const digits = TWO_DIGITS[value];
  isoText[at] = digits & 255;
  isoText[at + 1] = digits >>> 8;
}

/** Writes the civil date of a day number (Howard Hinnant's civil_from_days) as `YYYY-MM-DD`. */
function putDate(days: number): void {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  putTwo(Math.floor(year / 100), 0);
  putTwo(year % 100, 2);
  putTwo(month, 5);
  putTwo(day, 8);
  isoTextDay = days;
}

/**
 * `new Date(ms).toISOString()`, byte for byte (`YYYY-MM-DDTHH:MM:SS.sssZ`). Spelled into a
 * buffer and read out as one flat string: a string joined from pieces has to be flattened by
 * every later reader (COPY's escape test, the UTF-8 write), which cost more than joining it.
 *
 * @example
 * isoString(0) // '1970-01-01T00:00:00.000Z'
 */
export function isoString(ms: number): string {
  if (!(ms >= FIRST_MS && ms < END_MS) || !Number.isInteger(ms)) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  if (days !== isoTextDay) putDate(days);
  let rest = ms - days * DAY_MS;
  const millis = rest % 1000;
  rest = (rest - millis) / 1000;
  const seconds = rest % 60;
  rest = (rest - seconds) / 60;
  const minutes = rest % 60;
  putTwo((rest - minutes) / 60, 11);
  putTwo(minutes, 14);
  putTwo(seconds, 17);
  isoText[20] = 48 + Math.floor(millis / 100);
  putTwo(millis % 100, 21);
  return isoText.toString('latin1', 0, 24);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The digit at i, or NaN. */
function digit(text: string, i: number): number {
  const c = text.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : NaN;
}

/**
 * Milliseconds since 1970 of `toISOString`'s form from year 1000 on, or undefined for any
 * other text (and for a date that does not exist).
 *
 * @example
 * isoMillis('2026-01-02T03:04:05.006Z') // 1767323045006
 */
export function isoMillis(text: string): number | undefined {
  if (text.length !== 24 || text.charCodeAt(23) !== 0x5a || text.charCodeAt(10) !== 0x54 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d
    || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a || text.charCodeAt(19) !== 0x2e) return undefined;
  const year = digit(text, 0) * 1000 + digit(text, 1) * 100 + digit(text, 2) * 10 + digit(text, 3);
  const month = digit(text, 5) * 10 + digit(text, 6);
  const day = digit(text, 8) * 10 + digit(text, 9);
  const hour = digit(text, 11) * 10 + digit(text, 12);
  const minute = digit(text, 14) * 10 + digit(text, 15);
  const second = digit(text, 17) * 10 + digit(text, 18);
  const millis = digit(text, 20) * 100 + digit(text, 21) * 10 + digit(text, 22);
  // NaN fails every comparison: a non-digit anywhere gives undefined.
  if (!(year >= 1000 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59 && millis >= 0)) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : MONTH_DAYS[month - 1])) return undefined;
  return daysFromCivil(year, month, day) * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

/**
 * `Date.parse(text)`, reading `toISOString`'s form without the general parser.
 *
 * @example
 * parseIso('1970-01-01T00:00:01.000Z') // 1000
 */
export function parseIso(text: string): number {
  return isoMillis(text) ?? Date.parse(text);
}
