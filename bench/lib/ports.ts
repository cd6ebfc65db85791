import { createServer, type Server } from 'node:net';

/** Every benchmark server binds here only; nothing is exposed beyond loopback. */
export const LOOPBACK = '127.0.0.1';

/**
 * Asks the kernel for `count` distinct unused loopback ports. Each listener is
 * held until all are chosen so the ports cannot collide with each other; they
 * are released before the caller binds them, so another process could grab one
 * in between — acceptable for a benchmark, and far less flaky than fixed ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  try {
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('could not determine a free port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('could not determine a free port');
  return port;
}

function listenOnAnyPort(): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve(server));
  });
}
