import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpProbe } from '../../src/domain/plan.ts';
import { createExecutor } from '../../src/executors/registry.ts';
import { createHttpHealthMonitor } from '../../src/monitors/http-health.ts';
import type { StepContext } from '../../src/ports.ts';
import { freePort } from '../../src/services/ports.ts';

const context: StepContext = { runId: '11111111-1111-4111-8111-111111111111', runKey: 'api-7', service: 'api', version: '1.4.2', environment: 'production' };

/** HTTP steps against a real local server: `/up-after/N` answers 503 until its Nth request. */
describe('HTTP step executor', () => {
  let server: Server;
  let port: number;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = createServer((request, response) => {
      const url = request.url ?? '/';
      hits.set(url, (hits.get(url) ?? 0) + 1);
      const upAfter = /^\/up-after\/(\d+)$/.exec(url);
      if (upAfter) response.writeHead(hits.get(url)! >= Number(upAfter[1]) ? 200 : 503);
      else if (url === '/broken') response.writeHead(500);
      if (url === '/slow') return void setTimeout(() => response.end('{"status":"ok"}'), 300);
      response.end(url.startsWith('/version/') ? `{"version":"${url.slice(9)}"}` : '{"status":"ok"}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const probe = (url: string, extra: Partial<HttpProbe> = {}): HttpProbe => ({ method: 'GET', url, expectStatus: 200, timeout: 2_000, ...extra });
  const step = (url: string, extra: Partial<HttpProbe> = {}, attempts = 1, intervalMs = 10) =>
    createExecutor({ cwd: '.', env: { PORT: String(port) } }).run({ kind: 'http', probe: probe(url, extra), attempts, intervalMs }, context);

  it('passes on the expected status, filling ${env.PORT} and ${version} into the URL (shown filled in, as called)', async () => {
    const before = hits.get('/version/1.4.2') ?? 0;
    const outcome = await step('http://127.0.0.1:${env.PORT}/version/${version}', { bodyIncludes: '"1.4.2"' });
    expect(outcome).toMatchObject({ ok: true, summary: expect.stringContaining(`GET http://127.0.0.1:${port}/version/1.4.2 → 200`) });
    expect(outcome.summary).not.toContain('${');
    expect(hits.get('/version/1.4.2')).toBe(before + 1);
  });

  it('fails on another status, naming the status it expected and quoting the body', async () => {
    const outcome = await step('http://127.0.0.1:${env.PORT}/broken');
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringMatching(/→ 500 in \d+ms \(expected 200\): \{"status":"ok"\}$/) });
  });

  it('a healthy answer over the latency budget fails; within it, passes', async () => {
    const slow = await step('http://127.0.0.1:${env.PORT}/slow', { maxLatency: 100 });
    expect(slow).toMatchObject({ ok: false, summary: expect.stringMatching(/→ 200 in \d+ms, over its latency budget of 100ms$/) });
    expect(await step('http://127.0.0.1:${env.PORT}/slow', { maxLatency: 2_000 })).toMatchObject({ ok: true });
  });

  it('retries until the service answers: 200 on the 3rd request passes after 3 requests', async () => {
    const outcome = await step('http://127.0.0.1:${env.PORT}/up-after/3', {}, 5, 50);
    expect(outcome).toMatchObject({ ok: true, summary: expect.stringContaining('→ 200') });
    expect(hits.get('/up-after/3')).toBe(3);
    expect(outcome.durationMs).toBeGreaterThanOrEqual(100);
  });

  it('gives up after its attempts, reporting the last answer', async () => {
    const outcome = await step('http://127.0.0.1:${env.PORT}/up-after/9', {}, 2, 10);
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringContaining('→ 503') });
    expect(hits.get('/up-after/9')).toBe(2);
  });

  it('a refused connection fails the step with its reason, without throwing', async () => {
    const dead = await freePort();
    const outcome = await step(`http://127.0.0.1:${dead}/health`, {}, 2, 10);
    expect(outcome).toMatchObject({ ok: false, summary: `GET http://127.0.0.1:${dead}/health failed: ECONNREFUSED; gave up after 2 attempts` });
  });

  it('a body without the expected text fails the step', async () => {
    const outcome = await step('http://127.0.0.1:${env.PORT}/version/1.4.1', { bodyIncludes: '"1.4.2"' });
    expect(outcome).toMatchObject({ ok: false, summary: expect.stringContaining('body lacks ""1.4.2""') });
  });

  it('an unknown variable is reported and no request is made', async () => {
    const before = [...hits.values()].reduce((a, b) => a + b, 0);
    const outcome = await step('http://127.0.0.1:${env.PORT}/${env.NOPE}/${build}');
    expect(outcome).toMatchObject({ ok: false, summary: 'the URL uses unknown variables: env.NOPE, build' });
    expect([...hits.values()].reduce((a, b) => a + b, 0)).toBe(before);
  });

  it('the health monitor shares the probe: healthy on 200, unhealthy with a reason otherwise', async () => {
    const monitor = createHttpHealthMonitor({ PORT: String(port) });
    expect(await monitor.check(probe('http://127.0.0.1:${env.PORT}/health'), context)).toMatchObject({ healthy: true });
    const broken = await monitor.check(probe('http://127.0.0.1:${env.PORT}/broken'), context);
    expect(broken).toMatchObject({ healthy: false, detail: expect.stringContaining('expected 200') });
    expect(broken.detail).toContain(`GET http://127.0.0.1:${port}/broken → 500`);
  });
});
