import { formatMarker, MARKER_FORMAT, parseMarker, RUN_ID } from '../../../src/testing/database-marker';

const KEY = '0123456789abcdef0123';
const CREATED = '2026-12-05T10:00:00.000Z';
const marker = formatMarker({ kind: 'test', key: KEY, created: CREATED });

describe('the test database marker', () => {
  it('reads back exactly what it writes, with the version and this run', () => {
    expect(marker.startsWith(`${MARKER_FORMAT} {"format":"${MARKER_FORMAT}",`)).toBe(true);
    expect(parseMarker(marker)).toEqual({ kind: 'test', key: KEY, created: CREATED, run: RUN_ID });
    for (const kind of ['template', 'pool', 'kept'] as const) expect(parseMarker(formatMarker({ kind, key: KEY }))?.kind).toBe(kind);
  });

  it.each([
    ['no comment', null],
    ['an empty comment', ''],
    ['the first version\'s marker', `tenantseed-test {"kind":"test","key":"${KEY}","created":"${CREATED}","host":"h","pid":1}`],
    ['any JSON after the prefix', `${MARKER_FORMAT} {"note":"our production copy"}`],
    ['an array', `${MARKER_FORMAT} ["test"]`],
    ['a string', `${MARKER_FORMAT} "test"`],
    ['text after the marker', `${marker} keep: customer data`],
    ['a newline after the marker', `${marker}\n`],
    ['spaces inside the JSON', marker.replace('"kind":', '"kind": ')],
    ['a field added', marker.replace('}', ',"extra":1}')],
    ['a field missing', marker.replace(/,"run":"[0-9a-f]+"/, '')],
    ['fields reordered', `${MARKER_FORMAT} ${JSON.stringify({ kind: 'test', format: MARKER_FORMAT, key: KEY, created: CREATED, run: RUN_ID })}`],
    ['a wrong kind', marker.replace('"kind":"test"', '"kind":"backup"')],
    ['a wrong format field', marker.replace(`"format":"${MARKER_FORMAT}"`, '"format":"tenantseed-test-db/v1"')],
    ['another prefix', marker.replace(`${MARKER_FORMAT} `, 'tenantseed-test-db/v3 ')],
    ['a key that is not ours', marker.replace(KEY, 'production')],
    ['a run id that is not ours', marker.replace(RUN_ID, 'x'.repeat(32))],
    ['a date that is not ISO', marker.replace(CREATED, '2026-12-05')],
    ['an escaped character JSON.parse forgives', marker.replace('"kind":"test"', '"kind":"t\\u0065st"')],
    ['invalid JSON', `${MARKER_FORMAT} {"format":`],
  ])('refuses %s', (_name, comment) => {
    expect(parseMarker(comment)).toBeUndefined();
  });
});
