import net from 'node:net';

/**
 * How the fake server answers a client:
 * - `silent`: accepts the TCP connection and never says a word (a server that hangs, a
 *   half-open firewall): the client must time out.
 * - `close`: closes the connection as soon as the client's first message arrives.
 * - `scram`: asks for SCRAM-SHA-256 and, after the client's first SASL message, sends the
 *   server's first message, as PostgreSQL does (a client without a password fails there).
 * - `reject-password`: asks for a cleartext password and answers it with SQLSTATE 28P01.
 * - `no-tls`: answers an SSLRequest with "N" (a server without TLS).
 * - `bad-tls`: answers an SSLRequest with "S", then bytes that are not a TLS handshake.
 */
export type FakePostgresMode = 'silent' | 'close' | 'scram' | 'reject-password' | 'no-tls' | 'bad-tls';

/** A fake PostgreSQL server on loopback that speaks just enough of the protocol to fail one way. */
export interface FakePostgres {
  readonly port: number;
  /** A URL of it (`extra` is appended as the query string). */
  url(extra?: string): string;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function int32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

function errorResponse(code: string, text: string): Buffer {
  return message('E', Buffer.concat([Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${text}\0`, 'utf8'), Buffer.from([0])]));
}

/** Starts a fake server on 127.0.0.1 (a free port). */
export function startFakePostgres(mode: FakePostgresMode): Promise<FakePostgres> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    let started = false;
    socket.on('data', (chunk: Buffer) => {
      if (mode === 'silent') return;
      if (mode === 'close') {
        socket.destroy();
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      // Untyped first messages: SSLRequest or StartupMessage (length, then a code).
      if (!started) {
        if (buffered.length < 8) return;
        const length = buffered.readInt32BE(0);
        if (buffered.length < length) return;
        const code = buffered.readInt32BE(4);
        buffered = buffered.subarray(length);
        if (code === SSL_REQUEST) {
          if (mode === 'no-tls') socket.write('N');
          else if (mode === 'bad-tls') socket.write(Buffer.concat([Buffer.from('S'), Buffer.from('this is not a TLS server hello\n'.repeat(4))]));
          else socket.write('N');
          return;
        }
        started = true;
        if (mode === 'scram') socket.write(message('R', Buffer.concat([int32(10), Buffer.from('SCRAM-SHA-256\0\0', 'latin1')])));
        else if (mode === 'reject-password') socket.write(message('R', int32(3)));
        else socket.destroy();
        return;
      }
      // Typed messages: the client's password or SASL message ('p').
      while (buffered.length >= 5) {
        const length = buffered.readInt32BE(1);
        if (buffered.length < length + 1) return;
        const type = buffered.toString('latin1', 0, 1);
        buffered = buffered.subarray(length + 1);
        if (type !== 'p') continue;
        if (mode === 'scram') socket.write(message('R', Buffer.concat([int32(11), Buffer.from('r=fakeservernonce,s=c2FsdA==,i=4096', 'latin1')])));
        else socket.end(errorResponse('28P01', 'password authentication failed for user "postgres"'));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: (extra) => `postgres://postgres@127.0.0.1:${port}/fake${extra ? `?${extra}` : ''}`,
        close: () => new Promise<void>((done) => {
          for (const s of sockets) s.destroy();
          server.close(() => done());
        }),
      });
    });
  });
}

/** A loopback port on which nothing listens (bound, then released). */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
