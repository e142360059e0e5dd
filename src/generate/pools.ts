import type { LocaleDefinition } from '@faker-js/faker';
import { DefinitionError, ProfileError } from '../errors';

type FakerModule = typeof import('@faker-js/faker');
type FakerClass = FakerModule['Faker'];
let fakerModule: FakerModule | undefined;
let englishFaker: { Faker: FakerClass; locale: LocaleDefinition } | undefined;

/**
 * Faker with every locale, loaded when a pool of another locale than English is first drawn:
 * about 210 ms of a command's start-up.
 */
function fakerLibrary(): FakerModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  fakerModule ??= require('@faker-js/faker') as FakerModule;
  return fakerModule;
}

/**
 * Faker's English data and its Faker class, without the other locales (about 45 ms to load):
 * its instance is made from [en, base], the chain of an English profile, merged; a Faker made
 * from that merged definition draws exactly what one made from the chain draws.
 */
function english(): { Faker: FakerClass; locale: LocaleDefinition } {
  if (!englishFaker) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { faker } = require('@faker-js/faker/locale/en') as { faker: InstanceType<FakerClass> };
    englishFaker = { Faker: faker.constructor as FakerClass, locale: faker.rawDefinitions as LocaleDefinition };
  }
  return englishFaker;
}

/** How many values are drawn from Faker for each vocabulary. */
export const POOL_SIZE = 1024;

type CaseTransform = 'lower' | 'upper' | 'slug' | undefined;

function transform(value: string, mode: CaseTransform): string {
  switch (mode) {
    case 'lower':
      return value.toLowerCase();
    case 'upper':
      return value.toUpperCase();
    case 'slug':
      return value.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    default:
      return value;
  }
}

/**
 * Vocabularies drawn from Faker once, then picked from with the keyed random stream: one
 * Faker call per value would be the slowest part of generation. Each pool comes from a private
 * Faker instance seeded from the method's name (never the global faker), so a pool is the
 * same in every process for the pinned Faker version.
 */
export class FakerPools {
  private readonly pools = new Map<string, readonly string[]>();
  /** The profile's locale first, then English for what it lacks, then Faker's base data (read with the first pool). */
  private locales?: LocaleDefinition[];

  /** Faker's reference date for its date methods (`date.future`): never the clock, so pools are the same on every day. */
  private readonly referenceDate: Date;

  constructor(private readonly locale = 'en', referenceDate = '2026-01-01T00:00:00Z') {
    this.referenceDate = new Date(referenceDate);
    // Checked at once (Faker is loaded for it); English, the default, always exists.
    if (locale !== 'en') this.localeChain();
  }

  /** The locales of the pools; a locale Faker does not have is a ProfileError, before any value is drawn. */
  private localeChain(): LocaleDefinition[] {
    if (this.locales) return this.locales;
    if (this.locale === 'en') return (this.locales = [english().locale]);
    const { allLocales, base, en } = fakerLibrary();
    const definition = (allLocales as Record<string, LocaleDefinition>)[this.locale];
    if (!definition) {
      throw new ProfileError(`the profile's locale "${this.locale}" is not a Faker locale`, {
        hint: `Use one of @faker-js/faker's locales, for example en, de, fr, es, pt_BR, nl, ja (${Object.keys(allLocales).length} in all).`,
      });
    }
    this.locales = [definition, en, base];
    return this.locales;
  }

  /** The distinct values of a Faker method such as `person.firstName`, after a case transform. */
  pool(method: string, mode?: CaseTransform, where = 'a definition'): readonly string[] {
    const key = `${method}|${mode ?? ''}`;
    const cached = this.pools.get(key);
    if (cached) return cached;
    const faker = new (this.locale === 'en' ? english().Faker : fakerLibrary().Faker)({ locale: this.localeChain() });
    const [namespace, name] = method.split('.');
    const module = (faker as unknown as Record<string, Record<string, unknown>>)[namespace];
    const fn = module?.[name];
    if (typeof fn !== 'function') {
      throw new DefinitionError(`${where}: "${method}" is not a Faker method`, {
        hint: 'Use a method of @faker-js/faker 9 written module.method, for example person.firstName or lorem.sentence.',
      });
    }
    faker.seed(hashSeed(method));
    faker.setDefaultRefDate(this.referenceDate);
    const values = new Set<string>();
    for (let i = 0; i < POOL_SIZE; i++) {
      const made = (fn as () => unknown).call(module);
      // A date method's Date as ISO 8601, which PostgreSQL reads (String(date) it does not).
      const value = transform(made instanceof Date ? made.toISOString() : String(made), mode);
      if (value !== '') values.add(value);
    }
    const pool = Object.freeze([...values]);
    this.pools.set(key, pool);
    return pool;
  }
}

function hashSeed(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
