import { spawn, type ChildProcess } from 'node:child_process';
import { binaryOrInstall } from './binaries.ts';
import { freePort } from './ports.ts';
import { Redis } from 'ioredis';

export interface RedisService {
  url: string;
  stop(): Promise<void>;
}

/**
 * `REDIS_URL` when given; otherwise a private redis-server child process on a free port,
 * as DESIGN.md "Running it" says. On Debian as root, a missing redis-server is installed first.
 */
export async function ensureRedis(url: string | undefined, log: (line: string) => void = () => {}): Promise<RedisService> {
  if (url) return { url, stop: async () => {} };
  const binary = binaryOrInstall('redis-server', {
    package: 'redis-server',
    otherwise: 'Flightdeck needs Redis: set REDIS_URL, or install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).',
    log,
  });
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  const childUrl = `redis://127.0.0.1:${port}`;
  await waitForRedis(childUrl, child);
  log(`Started redis-server on port ${port} (set REDIS_URL to use your own).`);
  return { url: childUrl, stop: () => stopChild(child) };
}

async function waitForRedis(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {}); // refused while redis-server is still starting: expected, retried below
    try {
      await client.connect();
      await client.ping();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      client.disconnect();
    }
  }
  throw new Error('redis-server did not answer within 10 s');
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
