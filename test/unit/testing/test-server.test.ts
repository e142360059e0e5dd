import { isContainerRuntimeAvailable, startTestServer, TestServer, TestServerStarters } from '../../../src/testing';
import { parseDatabaseUrl } from '../../../src/config';

function fakeServer(kind: TestServer['kind']): TestServer {
  const target = parseDatabaseUrl(`postgres://u@${kind}:5432/postgres`, 'fake');
  return { kind, target, description: kind, stop: async () => undefined };
}

function starters(runtime: boolean, calls: string[]): TestServerStarters {
  return {
    containerRuntimeAvailable: async () => {
      calls.push('detect');
      return runtime;
    },
    startContainer: async () => {
      calls.push('container');
      return fakeServer('container');
    },
    startEmbedded: async () => {
      calls.push('embedded');
      return fakeServer('embedded');
    },
    useUrl: async (url) => {
      calls.push(`url ${url}`);
      return fakeServer('url');
    },
  };
}

describe('startTestServer picks the provider in order', () => {
  it('uses TEST_DATABASE_URL first, without looking for a container runtime', async () => {
    const calls: string[] = [];
    const server = await startTestServer({ env: { TEST_DATABASE_URL: 'postgres://a@b/c' }, starters: starters(true, calls) });
    expect(server.kind).toBe('url');
    expect(calls).toEqual(['url postgres://a@b/c']);
  });

  it('uses a container when a runtime is reachable', async () => {
    const calls: string[] = [];
    expect((await startTestServer({ env: {}, starters: starters(true, calls) })).kind).toBe('container');
    expect(calls).toEqual(['detect', 'container']);
  });

  it('falls back to the embedded server when no container runtime exists', async () => {
    const calls: string[] = [];
    expect((await startTestServer({ env: {}, starters: starters(false, calls) })).kind).toBe('embedded');
    expect(calls).toEqual(['detect', 'embedded']);
  });
});

describe('isContainerRuntimeAvailable', () => {
  it('reports no runtime when DOCKER_HOST points at a socket that does not exist', async () => {
    // testcontainers reads process.env itself, so the variable is set for real here.
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'unix:///nonexistent/tenantseed/docker.sock';
    try {
      await expect(isContainerRuntimeAvailable({ env: process.env })).resolves.toBe(false);
    } finally {
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
    }
  });
});
