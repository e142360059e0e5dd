import { assertMayDestroy, assertSafeToWrite, DestroyInput } from '../../../src/workflows';
import { SafetyError } from '../../../src/errors';

const stamp = (environment: string) => ({ environment, stampedBy: 'reset', stampedAt: new Date('2026-01-01T00:00:00Z') });
const rows = [{ table: 'public.customers', rows: 1200, estimated: false }, { table: 'public.orders', rows: 250000, estimated: true }];
const base: DestroyInput = { command: 'reset', environment: 'test', stamp: stamp('test'), protected: false, contents: rows, yes: false, databaseName: 'qa_db' };

describe('the one rule for destructive operations', () => {
  it.each<[string, Partial<DestroyInput>]>([
    ['a database that holds no rows, without a stamp', { stamp: undefined, contents: [] }],
    ['a database that holds no rows, stamped as another environment', { stamp: stamp('staging'), contents: [] }],
    ['a database stamped with the unprotected environment --env names', {}],
  ])('goes on without asking on %s', async (_label, change) => {
    await expect(assertMayDestroy({ ...base, ...change })).resolves.toEqual([]);
  });

  it.each<[string, Partial<DestroyInput>, RegExp]>([
    ['rows but no stamp', { stamp: undefined }, /has no environment stamp/],
    ['another environment\'s stamp', { stamp: stamp('development') }, /is stamped "development", not "test"/],
    ['a protected environment', { environment: 'staging', stamp: stamp('staging'), protected: true }, /is the protected environment staging/],
    ['a stamp and no --env', { environment: undefined }, /is stamped "test" and no --env says it is that environment/],
  ])('refuses %s without --yes, listing what it would destroy', async (_label, change, reason) => {
    const refusal = assertMayDestroy({ ...base, ...change });
    await expect(refusal).rejects.toBeInstanceOf(SafetyError);
    await expect(refusal).rejects.toThrow(reason);
    await expect(refusal).rejects.toThrow(/public\.customers\s+1,200 rows\n\s+public\.orders\s+~250,000 rows/);
    await expect(assertMayDestroy({ ...base, ...change, yes: true })).resolves.toEqual([expect.stringMatching(/^--yes: reset destroys 2 table\(s\) with 251,200 row\(s\) of qa_db/)]);
  });

  it('asks for the database name in a terminal, and goes on only when it is typed', async () => {
    const questions: string[] = [];
    const input = { ...base, stamp: undefined };
    await expect(assertMayDestroy({ ...input, confirm: async (q: string) => (questions.push(q), 'qa_db') })).resolves.toEqual([]);
    expect(questions[0]).toMatch(/qa_db has no environment stamp .*; reset destroys 2 table\(s\)[^]*Type the database name to go on/);
    await expect(assertMayDestroy({ ...input, confirm: async () => 'qa' })).rejects.toThrow(/Not confirmed \(typed "qa", not "qa_db"\)/);
  });

  it('names the environment as the caller takes it, and says what to do instead of --yes when told', async () => {
    const knexCli = { ...base, command: 'run down migrations', environmentFlag: 'TENANTSEED_ENV' as const, wayOut: 'name the environment' };
    await expect(assertMayDestroy({ ...knexCli, environment: undefined })).rejects.toThrow(/is stamped "test" and no TENANTSEED_ENV says it is that environment/);
    await expect(assertMayDestroy({ ...knexCli, environment: undefined })).rejects.toMatchObject({ hint: 'Check that this is the database you mean; name the environment. Nothing was changed.' });
    await expect(assertMayDestroy({ ...knexCli, environment: 'production', contents: [] })).rejects.toThrow(/^Refusing to run down migrations \(TENANTSEED_ENV=production\): tenantseed never writes production data$/);
  });

  it('refuses production whatever the flags, the answers and the contents', async () => {
    await expect(assertMayDestroy({ ...base, environment: 'production', stamp: stamp('production'), contents: [], yes: true, confirm: async () => 'qa_db' })).rejects.toThrow(/never writes production/);
    await expect(assertMayDestroy({ ...base, stamp: stamp('production'), contents: [], yes: true })).rejects.toThrow(/stamped "production"/);
    await expect(assertMayDestroy({ ...base, environment: undefined, stamp: stamp('production'), yes: true })).rejects.toThrow(/stamped "production"/);
  });
});

describe('the guard of commands that write without destroying', () => {
  const write = { command: 'seed', environment: 'staging', yes: false, databaseName: 'qa_db' };

  it('needs no confirmation to write into a database of the same environment, protected or not', async () => {
    await expect(assertSafeToWrite({ ...write, stamp: stamp('staging') })).resolves.toEqual([]);
    await expect(assertSafeToWrite(write)).resolves.toEqual([]);
  });

  it('refuses a database stamped as another environment unless --yes, and production always', async () => {
    await expect(assertSafeToWrite({ ...write, stamp: stamp('test') })).rejects.toThrow(/stamped "test"/);
    await expect(assertSafeToWrite({ ...write, stamp: stamp('test'), yes: true })).resolves.toEqual(['--yes: seed a database stamped "test" as "staging".']);
    await expect(assertSafeToWrite({ ...write, stamp: stamp('production'), yes: true })).rejects.toThrow(/stamped "production"/);
  });
});
