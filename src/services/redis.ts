import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
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
  const binary = findRedisServer() ?? installRedisServer(log);
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  const childUrl = `redis://127.0.0.1:${port}`;
  await waitForRedis(childUrl, child);
  log(`Started redis-server on port ${port} (set REDIS_URL to use your own).`);
  return { url: childUrl, stop: () => stopChild(child) };
}

function findRedisServer(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/redis-server`)) return `${dir}/redis-server`;
  }
  return existsSync('/usr/bin/redis-server') ? '/usr/bin/redis-server' : null;
}

function installRedisServer(log: (line: string) => void): string {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || !existsSync('/etc/debian_version')) {
    throw new Error('Flightdeck needs Redis: set REDIS_URL, or install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis).');
  }
  log('redis-server is not installed; installing Debian’s redis-server (about 20 s)…');
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const found = findRedisServer();
  if (!found) throw new Error('apt-get installed redis-server but it is not on PATH.');
  return found;
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
