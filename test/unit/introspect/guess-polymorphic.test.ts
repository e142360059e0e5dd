import type { SnapshotColumn, SnapshotConstraint, SnapshotTable } from '../../../src/db';
import { guessPolymorphicReferences } from '../../../src/introspect/guess-polymorphic';
import type { Finding } from '../../../src/introspect/infer-tenancy';

function column(name: string, type = 'uuid', extra: Partial<SnapshotColumn> = {}): SnapshotColumn {
  return { name, type, baseType: type, isArray: false, notNull: true, generated: false, ...extra };
}

function table(name: string, columns: SnapshotColumn[], constraints: SnapshotConstraint[] = []): SnapshotTable {
  return { schema: 'public', name, columns, constraints, uniqueIndexes: [], policies: [], rlsEnabled: false, rlsForced: false };
}

const check = (name: string, definition: string): SnapshotConstraint => ({ name, kind: 'check', columns: [], definition });

/** As teams write it: the kinds in a CHECK (a Knex `enu` without a native type), or a native enum (Rails, Prisma). */
function events(kinds: 'check' | 'enum' | 'none'): SnapshotTable {
  const type = kinds === 'enum' ? column('module_type', 'module_kind', { enumLabels: ['voice', 'code', 'doc'] }) : column('module_type', 'character varying(20)');
  return table('module_events', [column('id'), column('workspace_id'), type, column('module_session_id')],
    kinds === 'check' ? [check('module_events_module_type_check', "CHECK (((module_type)::text = ANY ((ARRAY['voice'::character varying, 'code'::character varying, 'doc'::character varying])::text[])))")] : []);
}

const sessions = ['voice_sessions', 'code_sessions', 'doc_sessions'].map((name) => table(name, [column('id'), column('workspace_id')]));

function guess(subject: SnapshotTable, others: SnapshotTable[], canDraft = () => true) {
  const findings: Finding[] = [];
  const tables = new Map([subject, ...others].map((t) => [t.name, t]));
  const drafted = guessPolymorphicReferences(subject, tables, () => 'id', canDraft, findings);
  return { drafted, findings };
}

describe('polymorphic references guessed from names', () => {
  it.each(['check', 'enum'] as const)('drafts x-ref-one-of when every kind (from a %s) names one table whose id has the column\'s type, and says it is a guess', (kinds) => {
    const { drafted, findings } = guess(events(kinds), sessions);
    expect(drafted.get('module_session_id')).toEqual({ discriminator: 'module_type', targets: { voice: 'voice_sessions', code: 'code_sessions', doc: 'doc_sessions' } });
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^guess to confirm, drafted: module_events\.module_session_id points at one of several tables chosen by module_type/)]);
  });

  it('reads Rails class names: commentable_type Post and BlogPost point at posts and blog_posts', () => {
    const comments = table('comments', [column('id', 'bigint'), column('commentable_type', 'character varying', { enumLabels: ['Post', 'BlogPost'] }), column('commentable_id', 'bigint')]);
    const { drafted } = guess(comments, [table('posts', [column('id', 'bigint')]), table('blog_posts', [column('id', 'bigint')])]);
    expect(drafted.get('commentable_id')?.targets).toEqual({ Post: 'posts', BlogPost: 'blog_posts' });
  });

  it('drafts nothing, and says what to write, when a kind names no table, an id type differs, the kinds are unknown, or the caller refuses the tables', () => {
    const cases = [
      guess(events('check'), sessions.slice(0, 2)),
      guess(events('check'), [...sessions.slice(0, 2), table('doc_sessions', [column('id', 'bigint')])]),
      guess(events('none'), sessions),
      guess(events('check'), sessions, () => false),
    ];
    for (const { drafted, findings } of cases) {
      expect(drafted.size).toBe(0);
      expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/^guess to confirm: module_events\.module_session_id may point at one of several tables chosen by module_type .*write "x-ref-one-of"/)]);
    }
  });

  it('leaves an id column a foreign key covers alone', () => {
    const subject = table('module_events', events('enum').columns as SnapshotColumn[], [{ name: 'fk', kind: 'foreign', columns: ['module_session_id'], refTable: 'voice_sessions', refColumns: ['id'], definition: '' }]);
    expect(guess(subject, sessions).findings).toEqual([]);
  });

  it('reads the kinds from the CHECK on the discriminator, not from a CHECK on another column listed first', () => {
    const subject = events('check');
    const withOther = table(subject.name, subject.columns as SnapshotColumn[], [check('module_events_level_check', "CHECK ((level = ANY (ARRAY[1, 2])))"), ...subject.constraints]);
    expect(guess(withOther, sessions).drafted.get('module_session_id')?.targets).toEqual({ voice: 'voice_sessions', code: 'code_sessions', doc: 'doc_sessions' });
  });

  it('says which tables it found and which it did not, and <value> when the kinds are unknown', () => {
    const [missing] = guess(events('check'), sessions.slice(0, 2)).findings;
    expect(missing.message).toContain('"x-ref-one-of": {"discriminator":"module_type","targets":{"voice":"voice_sessions","code":"code_sessions","doc":"<table>"}} on module_session_id, and "x-tenant-via": "module_session_id" if the table has no tenant column');
    expect(missing.level).toBe('warning');
    expect(missing.table).toBe('module_events');
    const [unknown] = guess(events('none'), sessions).findings;
    expect(unknown.message).toContain('"targets":{"<value>":"<table>"}');
  });

  it('drafts nothing for one kind alone, two tables of one name, the table itself, or a target without the id column', () => {
    const one = table('notes', [column('id'), column('owner_type', 'text', { enumLabels: ['voice'] }), column('owner_session_id')]);
    expect(guess(one, sessions).drafted.size).toBe(0);
    const twice = guess(events('enum'), [...sessions, table('Voice_Sessions', [column('id')])]);
    expect(twice.drafted.size).toBe(0);
    const self = table('items', [column('id'), column('parent_type', 'text', { enumLabels: ['item', 'voice_session'] }), column('parent_id')]);
    expect(guess(self, [table('voice_sessions', [column('id')])]).drafted.size).toBe(0);
    const findings: Finding[] = [];
    const tables = new Map([events('enum'), ...sessions].map((t) => [t.name, t]));
    expect(guessPolymorphicReferences(events('enum'), tables, () => 'uuid_key', () => true, findings).size).toBe(0);
  });
});
