import { createServer } from 'node:net';

/** A port the OS says is free now (from its ephemeral range). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * `count` consecutive free ports, chosen below Linux's ephemeral range (32768+) so that no outgoing
 * connection is handed one of them later: the demo service listens on base, base+1 and base+2.
 */
export async function freePortRun(count: number): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const base = 10_000 + Math.floor(Math.random() * 20_000);
    const free = await Promise.all(Array.from({ length: count }, (_, offset) => isFree(base + offset)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`found no ${count} consecutive free ports`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
