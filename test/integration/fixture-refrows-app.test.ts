import fs from 'node:fs';
import path from 'node:path';
import { describeColumnMeanings } from '../support/column-meaning-checks';
import { describeFixtureProject, tableDigest } from '../support/fixture-project';
import { REFROWS_APP } from '../support/fixture-specs';

const MADE = REFROWS_APP.madeRows!;

/**
 * A raw-SQL project (test/fixtures/refrows-app) whose migrations, applied with psql, make the
 * rows the application cannot run without: the standard workspace template at a fixed UUID
 * (every workspace references it by default) in public, and in a schema of their own (`ref`,
 * which tenantseed's config did not name) 250 countries, four standard priorities (an identity
 * column) and currencies (quoted names, numeric, text[] and jsonb values). tenantseed does not
 * own its migrations: introspect drafts the ref tables the tickets reference, records every
 * value of those rows as `x-existing-rows`, and reset puts them back byte for byte (twice, and
 * after a developer deleted or changed some); the generated tickets reference them.
 */
describeFixtureProject({
  ...REFROWS_APP,
  more({ cli, knex, folder }) {
    // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
    describeColumnMeanings(knex, []);
    it('drafts the ref tables the tickets reference, with their rows, and names ref in the config', async () => {
      const config = JSON.parse(fs.readFileSync(path.join(folder, 'tenantseed.config.json'), 'utf8'));
      expect(config.schemas).toEqual(['public', 'ref']);
      const currencies = JSON.parse(fs.readFileSync(path.join(folder, 'db', 'definitions', 'Currencies.json'), 'utf8'));
      expect(currencies).toMatchObject({ 'x-table': 'Currencies', 'x-global': true, 'x-count': { default: 0 } });
      expect(currencies['x-existing-rows']).toContainEqual({
        Code: 'EUR', 'Minor Units': 2, 'Rate to EUR': '1.000000', Symbols: '{€,EUR}', Format: '{"pattern": "#,##0.00 ¤", "rounding": 0.010}',
      });
      const [used] = (await knex().raw(`SELECT count(DISTINCT "currencyCode")::int AS currencies, count(DISTINCT priority_id)::int AS priorities,
          count(DISTINCT country_code)::int AS countries FROM tickets`)).rows;
      expect(used.currencies).toBe(3);
      expect(used.priorities).toBe(4);
      expect(used.countries).toBeGreaterThan(10);
    });

    it('puts back, byte for byte, reference rows a developer deleted or changed', async () => {
      const before = await Promise.all(MADE.map((t) => tableDigest(knex(), t)));
      await knex().raw(`DELETE FROM ref.countries WHERE code NOT IN (SELECT country_code FROM tickets WHERE country_code IS NOT NULL)
                          AND code = (SELECT min(code) FROM ref.countries WHERE code NOT IN (SELECT country_code FROM tickets WHERE country_code IS NOT NULL))`);
      await knex().raw(`UPDATE ref.priorities SET color = '#000000' WHERE name = 'High'`);
      await knex().raw(`UPDATE ref."Currencies" SET "Format" = '{}', "Rate to EUR" = 2 WHERE "Code" = 'CHF'`);
      await knex().raw(`UPDATE workspace_templates SET settings = '{"sla_hours": 24.5}'`);
      const changed = await Promise.all(MADE.map((t) => tableDigest(knex(), t)));
      MADE.forEach((_t, i) => expect(changed[i]).not.toEqual(before[i]));
      const reset = await cli(['reset', '--env', 'development', '--yes']);
      expect(reset.stderr).not.toMatch(/^error/m);
      expect(reset.code).toBe(0);
      expect(await Promise.all(MADE.map((t) => tableDigest(knex(), t)))).toEqual(before);
    });
  },
});
