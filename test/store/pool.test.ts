import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startRuntime } from '../../src/runtime.ts';
import { openDatabase } from '../../src/store/db.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { quietLog, waitFor } from '../support/flightdeck.ts';

/**
 * A burst after a quiet spell must not wait for new Postgres connections (store/db.ts POOL_SIZE): a process
 * opens its pool at start and keeps it, however long it stays idle. Counted from Postgres's side.
 */
describe('the connection pool', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let admin: pg.Client;
  beforeAll(async () => {
    db = await freshPostgres();
    admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.drop();
  });

  /** The backend pids of this database's sessions named `name`. */
  const backends = async (name: string) =>
    (
      await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1 and application_name = $2 order by pid', [
        new URL(db.url).pathname.slice(1),
        name,
      ])
    ).rows.map((row) => row.pid);

  it('opens every connection at start and still has the same ones after eleven idle seconds; a burst uses only them', async () => {
    const database = await openDatabase({ url: db.url, poolSize: 4, applicationName: 'pool-test' });
    try {
      await database.warm();
      const opened = await backends('pool-test');
      expect(opened).toHaveLength(4);
      // pg's pool closes a connection idle for 10 s unless told otherwise.
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      expect(await backends('pool-test')).toEqual(opened);
      const pool = (database.db as unknown as { $client: pg.Pool }).$client;
      const served = await Promise.all(Array.from({ length: 40 }, () => pool.query<{ pid: number }>('select pg_backend_pid() as pid')));
      expect(new Set(served.map(({ rows }) => rows[0]!.pid)).size).toBeLessThanOrEqual(4);
      expect(served.every(({ rows }) => opened.includes(rows[0]!.pid))).toBe(true);
    } finally {
      await database.close();
    }
    // A backend leaves pg_stat_activity a moment after its client hung up.
    await waitFor('the pool to close its connections', async () => (await backends('pool-test')).length === 0);
  }, 30_000);

  it('serve and a worker open DATABASE_POOL_SIZE connections before they work, named so an operator can tell them apart', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '3',
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: freshQueuePrefix(),
      PORT: '0',
      SHUTDOWN_GRACE_MS: '1000',
      PLANS_DIR: 'plans',
    });
    const serve = await startRuntime({ config, log: quietLog, http: true, worker: false });
    const worker = await startRuntime({ config, log: quietLog, http: false, worker: true });
    try {
      expect(await backends('flightdeck serve')).toHaveLength(3);
      expect(await backends('flightdeck worker')).toHaveLength(3);
      // The relay's LISTEN holds one of its own.
      await waitFor('the worker to listen', async () => (await backends('flightdeck worker (listen)')).length === 1);
    } finally {
      await worker.stop();
      await serve.stop();
    }
  });

  it('refuses a pool size that is not a positive whole number', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
    expect(() => loadConfig({ NODE_ENV: 'test', DATABASE_POOL_SIZE: 'ten' })).toThrow(/DATABASE_POOL_SIZE/);
  });
});
