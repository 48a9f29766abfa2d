import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { startRuntime, type Runtime } from '../../src/runtime.ts';
import { freePort } from '../../src/services/ports.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { quietLog } from '../support/flightdeck.ts';

async function serve(databaseUrl: string, redisUrl: string, role: 'serve' | 'worker' = 'serve'): Promise<Runtime> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: freshQueuePrefix(),
    PORT: '0',
    WORKER_PORT: '0',
    SHUTDOWN_GRACE_MS: '1000',
    PLANS_DIR: 'plans',
  });
  return startRuntime({ config, log: quietLog, http: role === 'serve', worker: role === 'worker' });
}

describe('health endpoints', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  beforeAll(async () => {
    db = await freshPostgres();
  });
  afterAll(async () => db?.drop());

  it('/health answers while the process lives; /health/ready when the database and Redis answer', async () => {
    const runtime = await serve(db.url, inject('redisUrl'));
    try {
      const live = await fetch(`http://127.0.0.1:${runtime.port}/health`);
      expect(live.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${runtime.port}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ready',
        checks: [
          { name: 'database', ok: true },
          { name: 'redis', ok: true },
        ],
      });
    } finally {
      await runtime.stop();
    }
  });

  it('/health/ready is 503 and names Redis when Redis does not answer', async () => {
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const runtime = await serve(db.url, deadRedis);
    try {
      const ready = await fetch(`http://127.0.0.1:${runtime.port}/health/ready`);
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body.checks.find((check: { name: string }) => check.name === 'redis')).toMatchObject({ ok: false });
      expect(body.checks.find((check: { name: string }) => check.name === 'database')).toMatchObject({ ok: true });
    } finally {
      await runtime.stop();
    }
  });

  it('a worker answers /health, /health/ready and /metrics on WORKER_PORT, and is 503 naming Redis when Redis does not answer', async () => {
    const worker = await serve(db.url, inject('redisUrl'), 'worker');
    try {
      expect(worker.port).toBeNull(); // no chat endpoints on a worker
      const base = `http://127.0.0.1:${worker.workerPort}`;
      expect((await fetch(`${base}/health`)).status).toBe(200);
      const ready = await fetch(`${base}/health/ready`);
      expect({ status: ready.status, body: await ready.json() }).toMatchObject({ status: 200, body: { status: 'ready' } });
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      expect(text).toMatch(/^flightdeck_jobs_waiting\{queue="flightdeck-steps",role="worker"\} 0$/m);
      expect(text).toMatch(/^flightdeck_outbox_oldest_age_seconds\{role="worker"\} 0$/m);
      expect(text).toMatch(/^process_cpu_seconds_total\{role="worker"\} /m); // Node's default metrics
    } finally {
      await worker.stop();
    }

    const cutOff = await serve(db.url, `redis://127.0.0.1:${await freePort()}`, 'worker');
    try {
      const ready = await fetch(`http://127.0.0.1:${cutOff.workerPort}/health/ready`);
      expect(ready.status).toBe(503);
      const body = await ready.json();
      expect(body.checks.find((check: { name: string }) => check.name === 'redis')).toMatchObject({ ok: false, error: expect.any(String) });
    } finally {
      await cutOff.stop();
    }
  });
});
