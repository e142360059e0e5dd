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
