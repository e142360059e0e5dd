import fs from 'node:fs';
import { TenantseedError } from '../errors';

/** Definition and profile files are small; a larger "file" is a mistake (a link to a disk image, a log). */
export const LARGEST_JSON_FILE = 64 * 1024 * 1024;

/**
 * Where the JSON text first goes wrong, and why, in words that never quote the text: the file
 * may be a link to a file of secrets (V8's own message quotes the text's first characters).
 */
export function locateJsonError(text: string): { offset: number; reason: string } | undefined {
  let i = 0;
  const fail = (reason: string): never => {
    throw Object.assign(new Error(reason), { offset: i });
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail('an unexpected character');
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const code = text.charCodeAt(i);
      if (code < 0x20) fail('a control character (such as a line break) inside a string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a bad \\u escape in a string');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('a bad escape in a string');
      }
      i++;
    }
    if (i >= text.length) fail('a string that never ends');
    i++;
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0].length === 0) fail('an unexpected character');
    i += match![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 1000) fail('nesting deeper than 1000 levels');
    space();
    if (i >= text.length) fail('the text ends where a value should be');
    const c = text[i];
    if (c === '{') {
      i++;
      space();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail(text[i] === '}' ? 'a trailing comma' : 'a key that is not a double-quoted string');
        string();
        space();
        if (text[i] !== ':') fail('a missing ":" after a key');
        i++;
        value(depth + 1);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(i >= text.length ? 'the text ends inside an object' : 'a missing "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      space();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        space();
        if (text[i] === ']') fail('a trailing comma');
        value(depth + 1);
        space();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(i >= text.length ? 'the text ends inside an array' : 'a missing "," or "]"');
      }
    }
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    if (c === '-' || (c >= '0' && c <= '9')) return number();
    fail('an unexpected character');
  };
  try {
    value(0);
    space();
    if (i < text.length) fail('more text after the JSON value');
    return undefined;
  } catch (err) {
    const e = err as Error & { offset?: number };
    if (e.offset === undefined) throw err;
    return { offset: e.offset, reason: e.message };
  }
}

/** "line 3, column 7" of an offset. */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/** " (a symbolic link to /etc/shadow)" when the file is a link: the user may not know where it leads. */
function linkNote(file: string): string {
  try {
    if (!fs.lstatSync(file).isSymbolicLink()) return '';
    return ` (a symbolic link to ${fs.realpathSync(file)})`;
  } catch {
    return ' (a symbolic link)';
  }
}

/**
 * Reads and parses a JSON file; a syntax error names the file, the line and the column, and
 * never quotes the file's text (it may be a link to a file of secrets). A file that is not a
 * regular file (a device, a FIFO) or larger than {@link LARGEST_JSON_FILE} is refused unread.
 * `makeError` builds the error type of the caller (DefinitionError, ProfileError).
 */
export function readJsonFile(file: string, makeError: (message: string, hint: string) => TenantseedError): unknown {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) throw makeError(`${file}${linkNote(file)} is not a regular file`, 'Point it at a JSON file.');
    if (stat.size > LARGEST_JSON_FILE) {
      throw makeError(`${file}${linkNote(file)} holds ${stat.size} bytes, more than a definition or profile ever needs (${LARGEST_JSON_FILE})`, 'Check that the path names the JSON file you meant.');
    }
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof TenantseedError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw makeError(`Cannot read ${file}${linkNote(file)}${code ? ` (${code})` : ''}`, 'Check that the file exists and is readable.');
  }
  try {
    return JSON.parse(text);
  } catch {
    const found = locateJsonError(text);
    const where = found ? ` at ${lineAndColumn(text, found.offset)}: ${found.reason}` : '';
    throw makeError(`${file}${linkNote(file)} is not valid JSON${where}`, 'Fix the JSON syntax (a missing comma or quote, a trailing comma).');
  }
}
