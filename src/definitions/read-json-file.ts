import fs from 'node:fs';
import { TenantseedError } from '../errors';

/**
 * Reads and parses a JSON file; a syntax error names the file, the line and the column.
 * `makeError` builds the error type of the caller (DefinitionError, ProfileError).
 */
export function readJsonFile(file: string, makeError: (message: string, hint: string) => TenantseedError): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw makeError(`Cannot read ${file}: ${(err as Error).message}`, 'Check that the file exists and is readable.');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const position = /position (\d+)/.exec(message);
    let where = '';
    if (position) {
      const before = text.slice(0, Number(position[1]));
      const line = before.split('\n').length;
      const column = before.length - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
    }
    throw makeError(`${file} is not valid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, '')}`, 'Fix the JSON syntax (a missing comma or quote, a trailing comma).');
  }
}
