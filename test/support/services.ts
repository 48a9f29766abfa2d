import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureRedis, type RedisService } from '../../src/services/redis.ts';

/**
 * Real services for the tests: DATABASE_URL / REDIS_URL when set (CI sets them); otherwise this
 * machine's Postgres at 127.0.0.1:5432 (started with pg_ctlcluster when it is installed but down)
 * and a private redis-server child process, started the way `flightdeck demo` starts one.
 */
let redis: RedisService | null = null;

export default async function setup(project: TestProject) {
  const databaseUrl = process.env.DATABASE_URL ?? (await localPostgres());
  redis = await ensureRedis(process.env.REDIS_URL, (line) => console.log(line));
  project.provide('databaseUrl', databaseUrl);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis?.stop();
  };
}

async function localPostgres(): Promise<string> {
  const url = 'postgres://postgres@127.0.0.1:5432/test';
  if (await answers(url)) return url;
  if (existsSync('/etc/postgresql')) {
    for (const version of readdirSync('/etc/postgresql')) {
      execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
    }
    for (let i = 0; i < 50; i++) {
      if (await answers(url)) return url;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error('The tests need PostgreSQL: set DATABASE_URL, or run one at 127.0.0.1:5432 (user postgres, database test, trust auth). .ci/run sets one up.');
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
  }
}
