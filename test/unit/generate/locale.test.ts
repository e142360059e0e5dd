import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadProfile } from '../../../src/definitions';
import { ProfileError } from '../../../src/errors';
import { FakerPools } from '../../../src/generate/pools';

describe("the profile's locale", () => {
  it('draws names, places and phrases from that locale, English where it has none', () => {
    const en = new FakerPools();
    const de = new FakerPools('de');
    const nl = new FakerPools('nl');
    // German cities and Dutch hacker phrases are not the English ones.
    expect(de.pool('location.city').filter((c) => en.pool('location.city').includes(c)).length).toBeLessThan(de.pool('location.city').length / 2);
    expect(nl.pool('hacker.phrase').some((p) => en.pool('hacker.phrase').includes(p))).toBe(false);
    // German has no hacker phrases: English ones, not Latin.
    expect(de.pool('hacker.phrase')).toEqual(en.pool('hacker.phrase'));
    expect(new FakerPools('de').pool('person.lastName')).toEqual(de.pool('person.lastName'));
  });

  it("draws from Faker's English data alone what its [en, base] chain draws, for every method", () => {
    // pools.ts loads @faker-js/faker/locale/en (45 ms) for English profiles instead of every locale (210 ms).
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { faker: english } = require('@faker-js/faker/locale/en') as { faker: import('@faker-js/faker').Faker };
    const full = require('@faker-js/faker') as typeof import('@faker-js/faker');
    /* eslint-enable @typescript-eslint/no-require-imports */
    const alone = new (english.constructor as typeof full.Faker)({ locale: english.rawDefinitions });
    const chain = new full.Faker({ locale: [full.en, full.base] });
    const modules = Object.keys(chain).filter((m) => !m.startsWith('_') && typeof (chain as unknown as Record<string, unknown>)[m] === 'object' && m !== 'rawDefinitions' && m !== 'definitions');
    let compared = 0;
    // Deprecated methods warn on every call; their values are compared all the same.
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    for (const m of modules) {
      const a = (alone as unknown as Record<string, Record<string, unknown>>)[m];
      const b = (chain as unknown as Record<string, Record<string, unknown>>)[m];
      const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(b)).filter((f) => f !== 'constructor' && typeof b[f] === 'function');
      for (const f of methods) {
        alone.seed(7);
        chain.seed(7);
        alone.setDefaultRefDate(new Date('2026-01-01T00:00:00Z'));
        chain.setDefaultRefDate(new Date('2026-01-01T00:00:00Z'));
        const draw = (module: Record<string, unknown>) => {
          try {
            return JSON.stringify(Array.from({ length: 20 }, () => (module[f] as () => unknown).call(module)));
          } catch (err) {
            return `error ${(err as Error).message}`;
          }
        };
        expect(`${m}.${f} ${draw(a)}`).toBe(`${m}.${f} ${draw(b)}`);
        compared++;
      }
    }
    warn.mockRestore();
    expect(compared).toBeGreaterThan(200);
  });

  it('refuses a locale Faker does not have, naming it', () => {
    expect(() => new FakerPools('xx_YY')).toThrow(ProfileError);
    expect(() => new FakerPools('xx_YY')).toThrow(/"xx_YY" is not a Faker locale/);
  });

  it('is absent from a profile that does not set it, so its dataset key is what it was', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tenantseed-locale-'));
    try {
      fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ seed: 1, referenceDate: '2026-01-01T00:00:00Z', tenants: {}, counts: {} }));
      fs.writeFileSync(path.join(dir, 'b.json'), JSON.stringify({ seed: 1, referenceDate: '2026-01-01T00:00:00Z', locale: 'pt_BR', tenants: {}, counts: {} }));
      expect('locale' in loadProfile(dir, 'a')).toBe(false);
      expect(loadProfile(dir, 'b').locale).toBe('pt_BR');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
