import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import { describeFixtureProject } from '../support/fixture-project';
import { CHAINS_APP } from '../support/fixture-specs';
import { describeColumnMeanings } from '../support/column-meaning-checks';

/** Rows whose tenant, followed up the chain, differs from the tenant they should sit in (0 when every row sits in its parent's). */
const MISPLACED = {
  // Two levels: attachments -> messages -> sessions(workspace_id).
  chat_messages: `SELECT count(*) AS n FROM chat_messages m LEFT JOIN agent_sessions s ON s.id = m.session_id WHERE s.workspace_id IS NULL`,
  message_attachments: `SELECT count(*) AS n FROM message_attachments a LEFT JOIN chat_messages m ON m.id = a.message_id LEFT JOIN agent_sessions s ON s.id = m.session_id WHERE s.workspace_id IS NULL`,
  code_sessions: `SELECT count(*) AS n FROM code_sessions c LEFT JOIN agent_sessions s ON s.id = c.agent_session_id WHERE s.workspace_id IS NULL`,
  // One of three tables by module_type; code sessions take their workspace through agent_sessions.
  module_events: `SELECT count(*) AS n FROM module_events e
      LEFT JOIN voice_sessions v ON e.module_type = 'voice' AND v.id = e.module_session_id
      LEFT JOIN doc_sessions d ON e.module_type = 'doc' AND d.id = e.module_session_id
      LEFT JOIN code_sessions c ON e.module_type = 'code' AND c.id = e.module_session_id
      LEFT JOIN agent_sessions s ON s.id = c.agent_session_id
     WHERE COALESCE(v.workspace_id, d.workspace_id, s.workspace_id) IS DISTINCT FROM e.workspace_id`,
};

async function misplaced(knex: Knex, table: keyof typeof MISPLACED): Promise<number> {
  return Number((await knex.raw(MISPLACED[table])).rows[0].n);
}

/**
 * test/fixtures/chains-app (../support/fixture-specs.ts): introspect drafts the chains
 * (`x-tenant-via`) from the foreign keys, and drafts the polymorphic reference from names (the
 * CHECK's kinds each name one `<kind>_sessions` table), saying it is a guess to confirm; with no
 * edit, reset seeds every event in its session's workspace.
 */
describeFixtureProject({
  ...CHAINS_APP,
  more({ cli, knex, folder }) {
    const definition = (table: string) => JSON.parse(fs.readFileSync(path.join(folder, 'db', 'definitions', `${table}.json`), 'utf8'));

    it('introspect drafted the chains from the foreign keys, and every chain row (after reset, tenant add) sits in its parent\'s workspace', async () => {
      expect(definition('chat_messages')['x-tenant-via']).toBe('session_id');
      expect(definition('message_attachments')['x-tenant-via']).toBe('message_id');
      expect(definition('code_sessions')['x-tenant-via']).toBe('agent_session_id');
      for (const table of ['chat_messages', 'message_attachments', 'code_sessions'] as const) {
        expect(Number((await knex().raw(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)).toBeGreaterThan(0);
        expect(await misplaced(knex(), table)).toBe(0);
      }
      // The new tenant has chain rows of its own.
      const newco = Number((await knex().raw(`SELECT count(*) AS n FROM message_attachments a JOIN chat_messages m ON m.id = a.message_id
        JOIN agent_sessions s ON s.id = m.session_id JOIN workspaces w ON w.id = s.workspace_id WHERE w.slug = 'newco'`)).rows[0].n);
      expect(newco).toBeGreaterThan(0);
    });

    it('introspect drafted the polymorphic reference from names and said it is a guess to confirm; reset twice and validate keep every event in its session\'s workspace, with no edit', async () => {
      // Introspect again over its own drafts (nothing edited), to read what it prints.
      const again = await cli(['introspect', '--out', 'db', '--force']);
      expect(again.code).toBe(0);
      expect(again.stdout + again.stderr).toMatch(/guess to confirm, drafted: module_events\.module_session_id points at one of several tables chosen by module_type/);
      expect(again.stdout).toMatch(/^0 hand edits/m);
      expect(definition('module_events')['x-tenant-column']).toBe('workspace_id');
      expect(definition('module_events').properties.module_session_id['x-ref-one-of']).toEqual({ discriminator: 'module_type', targets: { voice: 'voice_sessions', code: 'code_sessions', doc: 'doc_sessions' } });
      for (let i = 0; i < 2; i++) {
        const reset = await cli(['reset', '--env', 'development']);
        expect(reset.stderr).not.toMatch(/^error/m);
        expect(reset.code).toBe(0);
      }
      const kinds = (await knex().raw('SELECT DISTINCT module_type AS t FROM module_events ORDER BY 1')).rows.map((r: { t: string }) => r.t);
      expect(kinds).toEqual(['code', 'doc', 'voice']);
      for (const table of Object.keys(MISPLACED) as Array<keyof typeof MISPLACED>) expect(await misplaced(knex(), table)).toBe(0);
      const validate = await cli(['validate', '--env', 'development', '--json']);
      const report = JSON.parse(validate.stdout) as { checks: Array<{ name: string; ok: boolean; details: { tables?: string[]; summary: string } }> };
      const consistency = report.checks.find((c) => c.name === 'tenant-consistency')!;
      expect(consistency.ok).toBe(true);
      expect(consistency.details.tables).toEqual(expect.arrayContaining(['module_events']));
      const isolation = report.checks.find((c) => c.name === 'isolation')!;
      expect(isolation.ok).toBe(true);
      expect(isolation.details.tables).toEqual(expect.arrayContaining(['chat_messages', 'message_attachments', 'code_sessions']));
      expect(validate.code).toBe(0);
    });

    it('validate finds a chain table the policies leave open, and an event pointing at another workspace\'s session', async () => {
      await knex().raw('ALTER TABLE message_attachments DISABLE ROW LEVEL SECURITY');
      await knex().raw(`UPDATE module_events e SET module_session_id = (SELECT v.id FROM voice_sessions v WHERE v.workspace_id <> e.workspace_id LIMIT 1)
        WHERE e.id = (SELECT id FROM module_events WHERE module_type = 'voice' ORDER BY id LIMIT 1)`);
      try {
        const validate = await cli(['validate', '--env', 'development', '--json']);
        const report = JSON.parse(validate.stdout) as { checks: Array<{ name: string; ok: boolean; details: { findings: Array<{ table: string; message: string }> } }> };
        const isolation = report.checks.find((c) => c.name === 'isolation')!;
        expect(isolation.ok).toBe(false);
        expect([...new Set(isolation.details.findings.map((f) => f.table))]).toEqual(['message_attachments']);
        // The catalog proves it too: a chain table holds tenants' rows as a tenant table does.
        const schema = report.checks.find((c) => c.name === 'schema')!;
        expect(schema.details.findings).toEqual([{ table: 'message_attachments', message: 'row-level security is not enabled' }]);
        const consistency = report.checks.find((c) => c.name === 'tenant-consistency')!;
        expect(consistency.ok).toBe(false);
        expect(consistency.details.findings.map((f) => f.table)).toEqual(['module_events']);
        expect(consistency.details.findings[0].message).toMatch(/module_session_id \(module_type = voice\) at a voice_sessions row of another tenant/);
        expect(validate.code).toBe(1);
      } finally {
        await knex().raw('ALTER TABLE message_attachments ENABLE ROW LEVEL SECURITY');
      }
    });

    describeColumnMeanings(knex, []);
  },
});
