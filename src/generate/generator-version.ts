/**
 * The generator's version, recorded with every fingerprint and in every dataset key. Bump it
 * (with a CHANGELOG note and the new golden fingerprint) whenever a change makes the same
 * inputs produce different rows, including a new version of a data source below.
 */
export const GENERATOR_VERSION = 4;

/**
 * The versions of the libraries whose data feeds the generator (Faker's pools of names,
 * words, companies). They are part of the dataset key and the fingerprint; a test fails when
 * the installed version differs from the one pinned here, or when the pin changes without a
 * new generator version.
 */
export const DATA_SOURCES: Readonly<Record<string, string>> = Object.freeze({ '@faker-js/faker': '9.9.0' });

/** One line naming the generator and its data sources: what fingerprints start with. */
export function generatorSignature(generatorVersion: number = GENERATOR_VERSION): string {
  return `tenantseed generator v${generatorVersion}; ${Object.entries(DATA_SOURCES).map(([name, version]) => `${name} ${version}`).join(', ')}`;
}
