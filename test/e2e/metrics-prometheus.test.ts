import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onAction } from '../../src/app/on-action.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { QUEUES } from '../../src/queue/jobs.ts';
import type { Runtime } from '../../src/runtime.ts';
import { startPrometheus, type PrometheusService } from '../../src/services/prometheus.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { demoServiceEnv, runEnded, runReaching, startFlightdeck, stopDemoService, waitFor, type TestServices } from '../support/flightdeck.ts';
import { slackHeaders, slashCommandBody } from '../support/slack-requests.ts';

/** One instant-vector query against the real Prometheus; the value of each series, keyed by its labels. */
async function promql(prometheus: PrometheusService, query: string): Promise<{ labels: Record<string, string>; value: number }[]> {
  const response = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await response.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  expect(body.status).toBe('success');
  return body.data.result.map(({ metric, value }) => ({ labels: metric, value: Number(value[1]) }));
}

/** Polls until the query returns a series, then returns the (first) value. */
function valueOf(prometheus: PrometheusService, query: string): Promise<number> {
  return waitFor(`Prometheus to answer ${query}`, async () => (await promql(prometheus, query))[0]?.value.toString(), 60_000).then(Number);
}

/** serve and a worker, each scraped by a real Prometheus: a real run through Slack shows in Flightdeck's own metrics. */
describe('/metrics on serve and on the worker, scraped by Prometheus', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let demo: Awaited<ReturnType<typeof demoServiceEnv>>;
  let serve: Runtime;
  let worker: Runtime;
  let prometheus: PrometheusService;

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    demo = await demoServiceEnv();
    const services: TestServices = { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url };
    serve = await startFlightdeck(services, { http: true, worker: false });
    worker = await startFlightdeck(services, { http: false, worker: true }, demo);
    prometheus = await startPrometheus([`127.0.0.1:${serve.port}`, `127.0.0.1:${worker.workerPort}`], { scrapeInterval: '1s' });
  }, 90_000);
  afterAll(async () => {
    await prometheus?.stop();
    await worker?.stop();
    await serve?.stop();
    stopDemoService(demo);
    await slack?.stop();
    await db?.drop();
  });

  it('counts a run started over Slack, its steps, checks and ending, and Node’s own numbers', async () => {
    const body = slashCommandBody({ text: 'start demo 1.1.0', userId: 'U0DEMOALICE', userName: 'alice' });
    const started = await fetch(`http://127.0.0.1:${serve.port}/slack/events`, { method: 'POST', headers: slackHeaders(body), body });
    expect(started.status).toBe(200);
    expect(JSON.stringify(await started.json())).toContain('demo-1 created');
    const waiting = await runReaching(serve.ctx.db, 'demo-1', ['awaiting_decision']);
    await onAction(serve.ctx, { actor: { platform: 'slack', id: 'U0DEMOBOB', name: 'bob' }, action: ACTIONS.go, runId: waiting.id, rationale: null });
    expect((await runEnded(serve.ctx.db, 'demo-1', 60_000)).state).toBe('succeeded');

    // Both targets are up: each process answers /metrics on its own port.
    expect(await promql(prometheus, 'up')).toHaveLength(2);
    expect((await promql(prometheus, 'up')).every(({ value }) => value === 1)).toBe(true);
    // serve created the run and acked the slash command; the worker ran the steps and checks and saw the run end.
    expect(await valueOf(prometheus, 'flightdeck_runs_started_total{role="serve",service="demo",environment="production"}')).toBe(1);
    expect(await valueOf(prometheus, 'flightdeck_ack_seconds_count{role="serve",platform="slack",kind="command"}')).toBe(1);
    expect(await valueOf(prometheus, 'flightdeck_runs_ended_total{role="worker",service="demo",environment="production",state="succeeded"}')).toBe(1);
    expect(await valueOf(prometheus, 'sum(flightdeck_step_duration_seconds_count{role="worker",kind="command",outcome="succeeded"})')).toBeGreaterThanOrEqual(
      3,
    );
    expect(await valueOf(prometheus, 'flightdeck_check_lateness_seconds_count{role="worker"}')).toBeGreaterThan(0);
    // Read at scrape time: nothing is active once the run ended, and the relay has caught up.
    await waitFor('no active run in the gauge', async () => (await promql(prometheus, 'sum(flightdeck_active_runs)')).every(({ value }) => value === 0));
    expect(await valueOf(prometheus, 'max(flightdeck_outbox_oldest_age_seconds)')).toBeLessThan(60);
    // One series per queue the worker takes jobs from.
    expect(await valueOf(prometheus, 'count(flightdeck_jobs_waiting{role="worker"})')).toBe(Object.keys(QUEUES).length);
    expect(await valueOf(prometheus, 'count(nodejs_heap_size_used_bytes)')).toBe(2);
  }, 120_000);
});
