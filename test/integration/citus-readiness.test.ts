import { createKnex, migrate } from '../../src/db';
import { loadDefinitions } from '../../src/definitions';
import { shippedProjectConfig } from '../../src/config';
import { validateDatabase } from '../../src/validate';
import { useFileDatabase } from '../support/database';
import { runCli } from '../support/run-cli';

/**
 * On plain PostgreSQL: the validator's Citus readiness (the plan `tenantseed distribute`
 * follows), and `distribute` declining a database without Citus. The cluster itself is
 * test/citus.
 */
describe('Citus readiness on plain PostgreSQL', () => {
  const db = useFileDatabase();
  const project = shippedProjectConfig();

  const readiness = async () => {
    const report = await validateDatabase({ knex: db.knex, definitions: loadDefinitions(project.definitions), checks: ['schema'], schemas: project.schemas, tenancy: project.tenancy });
    return report.checks[0].details.citus as Record<string, string>;
  };

  it('reports every tenant table distributable by tenant_id and the others as reference tables', async () => {
    await migrate({ knex: db.knex, action: 'latest' });
    const citus = await readiness();
    expect(citus.users).toBe('distributable by tenant_id');
    expect(citus.documents).toBe('distributable by tenant_id');
    expect(citus.tenants).toBe('reference table (no tenant column)');
    expect(Object.values(citus).filter((v) => v.startsWith('blocked'))).toEqual([]);
  });

  it('names what Citus would refuse, with the fix: ON DELETE SET NULL with the tenant column, a unique key across tenants', async () => {
    await db.knex.raw('ALTER TABLE audit_logs DROP CONSTRAINT audit_logs_actor_fkey');
    await db.knex.raw('ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_actor_fkey FOREIGN KEY (tenant_id, actor_user_id) REFERENCES users (tenant_id, id) ON DELETE SET NULL (actor_user_id)');
    await db.knex.raw('ALTER TABLE users ADD CONSTRAINT users_email_everywhere UNIQUE (email)');
    const citus = await readiness();
    expect(citus.audit_logs).toMatch(/^blocked: foreign key audit_logs_actor_fkey sets its columns null .* use ON DELETE NO ACTION/);
    expect(citus.users).toMatch(/^blocked: unique key users_email_everywhere lacks tenant_id: add tenant_id to it/);
  });

  it('distribute declines a database without Citus (exit 2), changing nothing', async () => {
    const run = await runCli(['distribute'], { env: { DATABASE_URL: db.target.url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/does not run Citus \(no citus extension\)/);
    expect(run.stderr).toMatch(/coordinator/);
  });
});
