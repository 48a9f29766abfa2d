import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutor } from '../../src/executors/registry.ts';
import { createHttpHealthMonitor } from '../../src/monitors/http-health.ts';
import type { StepContext } from '../../src/ports.ts';
import { freePort } from '../../src/services/ports.ts';

const context: StepContext = { runId: 'r', runKey: 'api-7', service: 'api', version: '1.4.2', environment: 'production' };

describe('HTTP steps and the health monitor, against a real local server', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/flaky') {
        hits += 1;
        response.writeHead(hits >= 3 ? 200 : 503);
        return response.end(hits >= 3 ? 'ok' : 'starting');
      }
      if (request.url === '/version/1.4.2') return response.end('{"version":"1.4.2"}');
      response.writeHead(request.url === '/broken' ? 500 : 200);
      response.end('{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const executor = () => createExecutor({ cwd: '.', env: { PORT: String(port) } });
  const probe = (path: string, extra: object = {}) => ({ method: 'GET' as const, url: `http://127.0.0.1:\${env.PORT}${path}`, expectStatus: 200, timeout: 2_000, ...extra });

  it('passes on the expected status, with ${env.NAME} and ${version} filled in', async () => {
    const outcome = await executor().run({ kind: 'http', probe: probe('/version/${version}', { bodyIncludes: '"1.4.2"' }), attempts: 1, intervalMs: 10 }, context);
    expect(outcome).toMatchObject({ ok: true, summary: expect.stringContaining(`127.0.0.1:${port}/version/1.4.2 → 200`) });
  });

  it('fails on another status, naming the expected one', async () => {
    const outcome = await executor().run({ kind: 'http', probe: probe('/broken'), attempts: 1, intervalMs: 10 }, context);
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringContaining('→ 500') });
    expect(outcome.summary).toContain('expected 200');
  });

  it('retries until the service comes up', async () => {
    hits = 0;
    const outcome = await executor().run({ kind: 'http', probe: probe('/flaky'), attempts: 5, intervalMs: 20 }, context);
    expect(outcome.ok).toBe(true);
    expect(hits).toBe(3);
  });

  it('the monitor reports a refused connection, a body mismatch and an unknown variable as unhealthy, never throwing', async () => {
    const monitor = createHttpHealthMonitor({ PORT: String(port) });
    const dead = await freePort();
    expect(await monitor.check({ ...probe('/'), url: `http://127.0.0.1:${dead}/health` }, context)).toMatchObject({ healthy: false, detail: expect.stringContaining('ECONNREFUSED') });
    expect(await monitor.check(probe('/', { bodyIncludes: 'degraded' }), context)).toMatchObject({ healthy: false, detail: expect.stringContaining('body lacks "degraded"') });
    expect(await monitor.check({ ...probe('/'), url: 'http://127.0.0.1:${env.NOPE}/' }, context)).toMatchObject({ healthy: false, detail: expect.stringContaining('env.NOPE') });
    expect(await monitor.check(probe('/'), context)).toMatchObject({ healthy: true });
  });
});
