import fc from 'fast-check';
import { mergeDrafts } from '../../../src/introspect';

const definition = (columns: Record<string, unknown>, count = 10) => ({ 'x-table': 't', 'x-count': { default: count }, properties: columns, required: Object.keys(columns) });

describe('mergeDrafts', () => {
  it('keeps a hand-edited value, adds a new column and reports a removed one', () => {
    const base = definition({ id: { type: 'string' }, name: { type: 'string', maxLength: 40 }, gone: { type: 'integer' } });
    const ours = { ...base, 'x-count': { default: 500 }, properties: { ...base.properties, name: { type: 'string', maxLength: 40, 'x-faker': 'company.name' } } };
    const theirs = definition({ id: { type: 'string' }, name: { type: 'string', maxLength: 40 }, added: { type: 'boolean' } });
    const { merged, removed, kept } = mergeDrafts(base, ours, theirs);
    expect(merged).toEqual({
      'x-table': 't', 'x-count': { default: 500 },
      properties: { id: { type: 'string' }, name: { type: 'string', maxLength: 40, 'x-faker': 'company.name' }, added: { type: 'boolean' } },
      required: ['id', 'name', 'added'],
    });
    expect(removed).toEqual(['/properties/gone']);
    expect(kept).toEqual(['/x-count/default']);
  });

  it('takes the new draft where the file was not edited, and keeps keys only the team added', () => {
    const base = { a: 1, b: { c: 2 } };
    const ours = { a: 1, b: { c: 2 }, mine: true };
    const theirs = { a: 3, b: { c: 4 } };
    expect(mergeDrafts(base, ours, theirs)).toEqual({ merged: { a: 3, b: { c: 4 }, mine: true }, removed: [], kept: [] });
  });

  it('gives the new draft itself when nothing was edited, and the file itself when the schema did not change', () => {
    const json = fc.jsonValue();
    fc.assert(fc.property(json, json, (base, theirs) => {
      expect(mergeDrafts(base, base, theirs).merged).toEqual(theirs);
      expect(mergeDrafts(base, theirs, base).merged).toEqual(theirs);
    }), { seed: 29 });
  });
});
