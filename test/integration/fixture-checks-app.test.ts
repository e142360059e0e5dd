import fs from 'node:fs';
import path from 'node:path';
import { describeColumnMeanings } from '../support/column-meaning-checks';
import { describeFixtureProject } from '../support/fixture-project';

/**
 * A raw-SQL project (test/fixtures/checks-app) whose CHECKs are the corpus real schemas use:
 * the forms introspect reads as rules (nullable enums, casts inside IN / ANY, comparisons with
 * constants, length limits, `<> ''`, `~*`, `lower(x) = x`, an order, a sum), and forms it cannot
 * read (an immutable function, `% 7 = 3`, a regex with `\m`, `array_length`, several columns),
 * which it keeps in "x-checks": PostgreSQL evaluates them on the drawn rows, and a row that
 * breaks one is drawn again. Every step runs with no edit, and every CHECK holds on the loaded rows.
 */
describeFixtureProject({
  name: 'checks-app',
  roles: ['checks_app'],
  appRole: 'checks_app',
  root: 'organizations',
  scoped: { table: 'tasks', column: 'organization_id' },
  async apply(db, dir) {
    const migrations = path.join(dir, 'migrations');
    for (const file of fs.readdirSync(migrations).filter((f) => f.endsWith('.sql')).sort()) {
      await db.knex.raw(fs.readFileSync(path.join(migrations, file), 'utf8'));
    }
  },
  more({ knex, folder }) {
    // Issue 34: the rows look like their columns (meanings this schema has columns of, which must then be found).
    describeColumnMeanings(knex, ['order', 'email', 'owner']);
    const definition = (table: string) => JSON.parse(fs.readFileSync(path.join(folder, 'db', 'definitions', `${table}.json`), 'utf8'));

    it('keeps exactly the CHECKs it cannot read in "x-checks", as PostgreSQL prints them', () => {
      expect(definition('tasks')['x-checks']).toEqual({ tasks_due_on_check: 'is_business_day(due_on)', tasks_few_tags: '(array_length(tags, 1) <= 5)' });
      expect(Object.keys(definition('invoices')['x-checks']).sort()).toEqual([
        'invoices_discount_within_subtotal', 'invoices_hardware_weighs', 'invoices_lucky_number_check', 'invoices_memo_check',
      ]);
      expect(definition('members')['x-checks']).toEqual({ members_contact: '(num_nonnulls(email, phone) >= 1)' });
      expect(definition('organizations')['x-checks']).toBeUndefined();
      // The readable forms became rules of the columns.
      expect(definition('members').properties.role.enum).toEqual(['owner', 'admin', 'member']);
      expect(definition('tasks').properties.status.enum).toEqual(['todo', 'doing', 'done']);
    });

    it('loads rows that meet the CHECKs it could not read, drawn again where one broke', async () => {
      const [row] = (await knex().raw(`SELECT
          (SELECT count(*) FROM invoices WHERE lucky_number IS NOT NULL)::int AS lucky,
          (SELECT count(*) FROM invoices WHERE lucky_number % 7 <> 3)::int AS unlucky,
          (SELECT count(*) FROM tasks WHERE due_on IS NOT NULL)::int AS due,
          (SELECT count(*) FROM tasks WHERE NOT is_business_day(due_on))::int AS weekend,
          (SELECT count(*) FROM invoices WHERE discount_cents > subtotal_cents)::int AS over`)).rows;
      // About one drawn number in seven meets % 7 = 3: without the redraws the load would fail.
      expect(row.lucky).toBeGreaterThan(10);
      expect(row.due).toBeGreaterThan(10);
      expect({ unlucky: row.unlucky, weekend: row.weekend, over: row.over }).toEqual({ unlucky: 0, weekend: 0, over: 0 });
    });
  },
});
