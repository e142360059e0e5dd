import { assertSafeToWrite, SafetyInput } from '../../../src/workflows';
import { SafetyError } from '../../../src/errors';

const base: SafetyInput = { command: 'reset', environment: 'staging', protected: true, destructive: true, yes: false, databaseName: 'qa_db' };
const stamp = (environment: string) => ({ environment, stampedBy: 'reset', stampedAt: new Date('2026-01-01T00:00:00Z') });

describe('the safety guard', () => {
  it('asks for the database name on a protected environment, and goes on only when it is typed', async () => {
    const questions: string[] = [];
    await expect(assertSafeToWrite({ ...base, confirm: async (q) => (questions.push(q), 'qa_db') })).resolves.toEqual([]);
    expect(questions[0]).toMatch(/staging is protected: reset destroys the data of qa_db\. Type the database name to go on/);
    await expect(assertSafeToWrite({ ...base, confirm: async () => 'qa' })).rejects.toThrow(/Not confirmed \(typed "qa", not "qa_db"\)/);
  });

  it('refuses a protected environment with no way to ask, unless --yes, which it reports', async () => {
    await expect(assertSafeToWrite(base)).rejects.toBeInstanceOf(SafetyError);
    await expect(assertSafeToWrite({ ...base, yes: true })).resolves.toEqual(['--yes: reset of the protected environment staging confirmed without a prompt.']);
  });

  it('needs no confirmation to seed an empty database of a protected environment', async () => {
    await expect(assertSafeToWrite({ ...base, command: 'seed', destructive: false })).resolves.toEqual([]);
  });

  it('refuses production whatever the flags and answers', async () => {
    await expect(assertSafeToWrite({ ...base, environment: 'production', yes: true, confirm: async () => 'qa_db' })).rejects.toThrow(/never writes production/);
    await expect(assertSafeToWrite({ ...base, environment: 'test', protected: false, stamp: stamp('production'), yes: true })).rejects.toThrow(/stamped "production"/);
  });

  it('refuses a database stamped as another environment unless --yes', async () => {
    const input = { ...base, environment: 'development', protected: false, stamp: stamp('test') };
    await expect(assertSafeToWrite(input)).rejects.toThrow(/stamped "test"/);
    await expect(assertSafeToWrite({ ...input, yes: true })).resolves.toEqual(['--yes: reset a database stamped "test" as "development".']);
  });
});
