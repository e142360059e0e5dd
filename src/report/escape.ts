/** Characters XML 1.0 cannot hold at all, even escaped: dropped from reports. */
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text for XML and HTML, content and attributes alike: `&`, `<`, `>`, quotes escaped, and
 * characters XML cannot carry removed. Everything a report takes from a database goes through
 * it: a tenant named `<script>` is shown as those characters.
 *
 * @example
 * escapeMarkup('<script>') // '&lt;script&gt;'
 */
export function escapeMarkup(value: unknown): string {
  return String(value ?? '')
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Control characters (C0, DEL, C1): a terminal would act on them (a newline, an ANSI escape). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text for a terminal line: control characters a name or a value may hold (a table named
 * `a\nok  isolation`, an ANSI escape) are written as `\u000a`, so no name can forge a line of
 * the report or recolour it.
 *
 * @example
 * escapeTerminal('a\nb') // 'a\\u000ab'
 */
export function escapeTerminal(value: unknown): string {
  return String(value ?? '').replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
