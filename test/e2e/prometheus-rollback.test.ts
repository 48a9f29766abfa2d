import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onAction } from '../../src/app/on-action.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { PROJECT_ROOT, type Runtime } from '../../src/runtime.ts';
import { startPrometheus, type PrometheusService } from '../../src/services/prometheus.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { demoServiceEnv, runEnded, runReaching, startFlightdeck, stopDemoService, waitFor } from '../support/flightdeck.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

/** Versions whose numbers in a real Prometheus cross a trigger are rolled back by themselves, and the message shows the numbers. */
describe('rollback on a Prometheus trigger', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let demo: Awaited<ReturnType<typeof demoServiceEnv>>;
  let prometheus: PrometheusService;
  let runtime: Runtime;

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    demo = await demoServiceEnv();
    // Prometheus scrapes the demo router's /metrics: the live slot's numbers.
    prometheus = await startPrometheus([`127.0.0.1:${demo.DEMO_PORT}`], { scrapeInterval: '1s' });
    runtime = await startFlightdeck(
      {
        databaseUrl: db.url,
        redisUrl: inject('redisUrl'),
        queuePrefix: freshQueuePrefix(),
        slackApiUrl: slack.url,
        plansDir: join(PROJECT_ROOT, 'test/fixtures/plans'),
      },
      { http: false, worker: true },
      { ...demo, PROMETHEUS_URL: prometheus.url },
    );
  }, 90_000);
  afterAll(async () => {
    await runtime?.stop();
    stopDemoService(demo);
    await prometheus?.stop();
    await slack?.stop();
    await db?.drop();
  });

  /** The value of the worker's own series `name` whose labels include each of `labels` (its /metrics, as Prometheus would scrape it). */
  async function workerMetric(name: string, ...labels: string[]): Promise<number | null> {
    const text = await (await fetch(`http://127.0.0.1:${runtime.workerPort}/metrics`)).text();
    const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && labels.every((label) => candidate.includes(label)));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : null;
  }

  /** Start, GO by bob, and wait for the run to end (`meanwhile` runs once the run is monitoring). */
  async function deploy(service: string, version: string, key: string, meanwhile?: () => Promise<void>) {
    expect(await onCommand(runtime.ctx, { actor: alice, text: `start ${service} ${version}`, requestKey: null })).toMatchObject({
      text: expect.stringContaining(`${key} created`),
    });
    const waiting = await runReaching(runtime.ctx.db, key, ['awaiting_decision']);
    await onAction(runtime.ctx, { actor: bob, action: ACTIONS.go, runId: waiting.id, rationale: null });
    if (meanwhile) {
      await waitFor(
        `${key} to take a measured check`,
        async () => (await findRunByKey(runtime.ctx.db, key))?.samples.some((sample) => sample.readings?.[0]?.value !== null),
        30_000,
      );
      await meanwhile();
    }
    return runEnded(runtime.ctx.db, key, 60_000);
  }

  it('a good version passes its metric-watched window', async () => {
    const done = await deploy('shop', '1.0.0', 'shop-1');
    expect({ state: done.state, rollback: done.rollback?.reason }).toEqual({ state: 'succeeded', rollback: undefined });
    expect(done.samples.at(-1)?.readings?.[0]).toMatchObject({ metric: 'error_rate', value: 0.001 });
  }, 90_000);

  it('error_rate > 5% for 3s fires on 20 % and rolls back', async () => {
    const done = await deploy('shop', '1.1.0-errors', 'shop-2');
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.trigger).toBe('error_rate > 5% for 3s');
    expect(done.rollback?.reason).toMatch(/error_rate was (20%, )+20% \(> 5%\) for \d+s/);

    const message = await waitFor('the rollback message', async () =>
      slack.called('chat.postMessage').find((call) => slack.textOf(call).includes('URGENT: Deployment Rolled Back - shop 1.1.0-errors')),
    );
    const text = slack.textOf(message);
    // The numbers against the limit, once (in the reason), and where they came from.
    expect(text).toMatch(/error_rate was (20%, )+20% \(&gt; 5%\)/);
    expect(text).toContain('max(demo_error_ratio)');
    expect(text).toContain('Validated:');
    expect(text).toContain('<@U0DEMOCAROL>');

    // Flightdeck's own metrics say so: a rollback by that trigger, traffic restored, rolled back, on-call paged.
    expect(await workerMetric('flightdeck_rollbacks_total', 'trigger="error_rate > 5% for 3s"')).toBe(1);
    expect(await workerMetric('flightdeck_rollback_duration_seconds_count')).toBe(1);
    expect(await workerMetric('flightdeck_rollbacks_ended_total', 'state="rolled_back"')).toBe(1);
    expect(await workerMetric('flightdeck_runs_ended_total', 'service="shop"', 'state="rolled_back"')).toBe(1);
    expect(await workerMetric('flightdeck_pages_opened_total')).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it('a latency regression against the baseline measured before the switch rolls back', async () => {
    const done = await deploy('slowshop', '1.2.0-slow', 'slowshop-1');
    expect(done.baselines).toEqual({ p95_latency: 0.1 });
    expect(done.steps.find((step) => step.name.startsWith('Measure the baseline'))).toMatchObject({
      ok: true,
      summary: expect.stringContaining('p95_latency 0.1'),
    });
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.reason).toMatch(/p95_latency was (0\.6, )+0\.6 \(> 0\.15 = baseline × 1\.5\) for \d+s/);
  }, 90_000);

  it('Prometheus stopped mid-monitoring: checks turn inconclusive, after the plan’s five in a row the run rolls back, and with the metrics still unmeasurable the rollback is not called a success', async () => {
    const done = await deploy('shop', '1.3.0', 'shop-3', () => prometheus.stop());
    expect(done.rollback?.reason).toBe('monitoring inconclusive for 5 checks in a row (error_rate could not be measured)');
    // The previous version answers and is healthy, but the error rate cannot be read back: PARTIAL, never "restored".
    expect(done.state).toBe('rollback_failed');
    expect(done.rollback?.validations.at(-1)).toMatchObject({ status: 'PARTIAL', problems: ['error_rate could not be measured'] });
    expect(done.samples.at(-1)?.readings?.[0]).toMatchObject({ value: null, detail: expect.stringContaining('Prometheus unreachable') });
    // What the README's FlightdeckRollbackFailed alert watches.
    expect(await workerMetric('flightdeck_rollbacks_ended_total', 'state="rollback_failed"')).toBe(1);
  }, 90_000);
});
