import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBaseline } from '../../src/monitors/baseline.ts';
import { createPrometheusSource } from '../../src/monitors/prometheus.ts';
import type { StepContext } from '../../src/ports.ts';
import { freePort } from '../../src/services/ports.ts';
import { startPrometheus, type PrometheusService } from '../../src/services/prometheus.ts';
import { waitFor } from '../support/flightdeck.ts';

const context: StepContext = { runId: 'r', runKey: 'api-7', service: 'api', version: '1.4.2', environment: 'production' };
const monitor = (query: string, url = '${env.PROMETHEUS_URL}') => ({ metric: 'error_rate', prometheus: { query, url, headers: {}, timeout: 2_000 } });

/** The Prometheus monitor against a real Prometheus (Debian's) scraping a real local /metrics. */
describe('Prometheus monitor', () => {
  let target: Server;
  let prometheus: PrometheusService;
  let errorRatio = 0.2;

  beforeAll(async () => {
    target = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      response.end(`# TYPE demo_error_ratio gauge\ndemo_error_ratio ${errorRatio}\n# TYPE demo_up gauge\ndemo_up{slot="blue"} 1\ndemo_up{slot="green"} 1\n`);
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    prometheus = await startPrometheus([`127.0.0.1:${(target.address() as { port: number }).port}`], { scrapeInterval: '1s' });
  }, 90_000);
  afterAll(async () => {
    await prometheus?.stop();
    await new Promise<void>((resolve) => target.close(() => resolve()));
  });

  const source = () => createPrometheusSource({ PROMETHEUS_URL: prometheus.url });

  it('reads one number from an instant query, once scraped', async () => {
    const reading = await waitFor(
      'the first scrape',
      async () => {
        const read = await source().read(monitor('max(demo_error_ratio)'), context);
        return read.value !== null && read;
      },
      30_000,
    );
    expect(reading).toEqual({ metric: 'error_rate', value: 0.2, source: 'max(demo_error_ratio)', detail: 'error_rate = 0.2' });
  }, 40_000);

  it('no data, several series and a bad query are inconclusive with the reason', async () => {
    expect(await source().read(monitor('max(nothing_like_this)'), context)).toMatchObject({ value: null, detail: expect.stringContaining('no data') });
    expect(await source().read(monitor('demo_up'), context)).toMatchObject({ value: null, detail: expect.stringContaining('2 series') });
    expect(await source().read(monitor('max(demo_error_ratio'), context)).toMatchObject({ value: null, detail: expect.stringContaining('Prometheus:') });
  });

  it('a baseline is the median of the readings over its window; a metric never read fails the step', async () => {
    const measured = await measureBaseline(source(), [monitor('max(demo_error_ratio)')], { kind: 'baseline', windowMs: 1_500, everyMs: 500 }, context);
    expect(measured).toMatchObject({ ok: true, baselines: { error_rate: 0.2 }, summary: 'baseline over 3 readings: error_rate 0.2' });
    const missing = await measureBaseline(
      source(),
      [{ ...monitor('max(nothing_like_this)'), metric: 'p95_latency' }],
      { kind: 'baseline', windowMs: 1_000, everyMs: 500 },
      context,
    );
    expect(missing).toMatchObject({ ok: false, summary: expect.stringContaining('no baseline for p95_latency') });
  });

  it('an unset URL or a Prometheus that does not answer is inconclusive, never a throw', async () => {
    expect(await createPrometheusSource({}).read(monitor('up'), context)).toMatchObject({ value: null, detail: expect.stringContaining('is not set') });
    expect(await createPrometheusSource({}).read(monitor('up', 'http://127.0.0.1:9'), context)).toMatchObject({
      value: null,
      detail: expect.stringContaining('unreachable'),
    });
  });

  it('the query and URL may use variables: the reading shows them filled in, a secret as ***, never a raw ${…}', async () => {
    const env = { PROM_HOST: prometheus.url.replace('http://', ''), FACTOR: '10', TENANT_TOKEN: 'not-a-job-name' };
    const reading = await createPrometheusSource(env).read(
      monitor('max(demo_error_ratio{job!="${env.TENANT_TOKEN}",job!="${service}"}) * ${env.FACTOR}', 'http://${env.PROM_HOST}'),
      context,
    );
    expect(reading).toEqual({ metric: 'error_rate', value: 2, source: 'max(demo_error_ratio{job!="***",job!="api"}) * 10', detail: 'error_rate = 2' });

    const port = await freePort();
    const dead = await createPrometheusSource({ PROM_PORT: String(port), PROM_SECRET: 'abc-secret' }).read(
      monitor('max(x{k="${env.PROM_SECRET}"})', 'http://127.0.0.1:${env.PROM_PORT}'),
      context,
    );
    expect(dead).toEqual({
      metric: 'error_rate',
      value: null,
      source: 'max(x{k="***"})',
      detail: `Prometheus unreachable at http://127.0.0.1:${port}: ECONNREFUSED`,
    });

    const unknown = await createPrometheusSource({ PROMETHEUS_URL: prometheus.url }).read(monitor('max(x{k="${env.NOPE}"})'), context);
    expect(unknown).toEqual({
      metric: 'error_rate',
      value: null,
      source: 'max(x{k="<unknown env.NOPE>"})',
      detail: 'the query uses unknown variables: env.NOPE',
    });
    expect(JSON.stringify([reading, dead, unknown])).not.toContain('${');
  });
});
