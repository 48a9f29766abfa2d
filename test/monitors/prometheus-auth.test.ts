import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/domain/assess.ts';
import { createPrometheusSource } from '../../src/monitors/prometheus.ts';
import type { StepContext } from '../../src/ports.ts';
import { startPrometheus, type PrometheusService } from '../../src/services/prometheus.ts';
import { waitFor } from '../support/flightdeck.ts';

const user = 'flightdeck';
const password = 'test-only-prometheus-password';
// Generated once with: htpasswd -nbBC 10 flightdeck 'test-only-prometheus-password' (Debian's apache2-utils).
const bcryptHash = '$2y$10$KtBedTRUf52juyYkxtqS5OS6NKCKt0XFehIecD4PZpWQ4oR9earGa';
const basic = (secret: string) => Buffer.from(`${user}:${secret}`).toString('base64');

const context: StepContext = { runId: 'r', runKey: 'api-7', service: 'api', version: '1.4.2', environment: 'production' };
const query = 'max(demo_error_ratio)';
const monitor = (headers: Record<string, string>, url = '${env.PROMETHEUS_URL}') => ({
  metric: 'error_rate',
  prometheus: { query, url, headers, timeout: 2_000 },
});
const withBasicAuth = { Authorization: 'Basic ${env.PROMETHEUS_BASIC}' };

/** Everything a reading shows (chat, audit, logs): no secret may be in it. */
const shown = (reading: Reading) => JSON.stringify(reading);

/** The monitor's auth headers against a real Prometheus (Debian's) that requires basic auth on every endpoint. */
describe('Prometheus monitor against a Prometheus that requires credentials', () => {
  let target: Server;
  let prometheus: PrometheusService;

  beforeAll(async () => {
    target = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end('# TYPE demo_error_ratio gauge\ndemo_error_ratio 0.35\n');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(target.address() as { port: number }).port}`;
    prometheus = await startPrometheus([address], { scrapeInterval: '1s', basicAuth: { user, password, bcryptHash } });
  }, 90_000);
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => target?.close(() => resolve()));
  });

  it('every endpoint refuses a request without credentials', async () => {
    expect((await fetch(`${prometheus.url}/-/ready`)).status).toBe(401);
    expect((await fetch(`${prometheus.url}/api/v1/query?query=up`)).status).toBe(401);
  });

  it('with the right credentials from the worker env, the reading has the scraped value and no secret', async () => {
    const secret = basic(password);
    const source = createPrometheusSource({ PROMETHEUS_URL: prometheus.url, PROMETHEUS_BASIC: secret });
    const reading = await waitFor(
      'the first scrape',
      async () => {
        const read = await source.read(monitor(withBasicAuth), context);
        return read.value !== null && read;
      },
      30_000,
    );
    expect(reading).toEqual({ metric: 'error_rate', value: 0.35, source: query, detail: 'error_rate = 0.35' });
    expect(shown(reading)).not.toContain(secret);
  }, 40_000);

  it('no header or a wrong password is inconclusive: Prometheus refused (401), the secret not shown', async () => {
    const wrong = basic('not-the-password');
    const source = createPrometheusSource({ PROMETHEUS_URL: prometheus.url, PROMETHEUS_BASIC: wrong });
    const none = await source.read(monitor({}), context);
    expect(none).toMatchObject({ value: null, source: query, detail: expect.stringContaining('Prometheus refused the credentials (401)') });
    expect(none.detail).toContain('sends none');
    const refused = await source.read(monitor(withBasicAuth), context);
    expect(refused).toMatchObject({ value: null, source: query, detail: expect.stringContaining('Prometheus refused the credentials (401)') });
    expect(refused.detail).toContain('Authorization');
    expect(shown(refused)).not.toContain(wrong);
  });

  it('an unset secret is named, not sent; a malformed secret or a URL with a password is never echoed', async () => {
    const unset = await createPrometheusSource({ PROMETHEUS_URL: prometheus.url }).read(monitor(withBasicAuth), context);
    expect(unset).toMatchObject({ value: null, detail: expect.stringContaining('env.PROMETHEUS_BASIC, which is not set') });

    // A newline inside the value (a pasted secret) makes fetch refuse the header, and fetch's own message quotes it.
    const malformed = `${basic(password)}\nsecond-line`;
    const badHeader = await createPrometheusSource({ PROMETHEUS_URL: prometheus.url, PROMETHEUS_BASIC: malformed }).read(monitor(withBasicAuth), context);
    expect(badHeader).toMatchObject({ value: null, detail: expect.stringContaining('not sent') });
    expect(shown(badHeader)).not.toContain(basic(password));

    // fetch refuses user:password@ in a URL, quoting the URL.
    const inUrl = prometheus.url.replace('http://', `http://${user}:${password}@`);
    const badUrl = await createPrometheusSource({ PROMETHEUS_URL: inUrl }).read(monitor({}), context);
    expect(badUrl).toMatchObject({
      value: null,
      detail: expect.stringContaining(`its URL ${prometheus.url.replace('http://', 'http://***@')} has user:password@`),
    });
    expect(shown(badUrl)).not.toContain(password);
  });
});
