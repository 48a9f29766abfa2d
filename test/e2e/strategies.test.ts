import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { startPrometheus, type PrometheusService } from '../../src/services/prometheus.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { waitFor, runReaching } from '../support/flightdeck.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

/**
 * Canary, rolling and feature-flag runs through the real Bolt receiver, a real worker, the demo
 * service's real processes and a real Prometheus scraping them.
 */
describe('Slack: canary, rolling and feature flag on real processes', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  let prometheus: PrometheusService;
  beforeAll(async () => {
    app = await startSlackFlightdeck({
      worker: true,
      plansDir: join(PROJECT_ROOT, 'test/fixtures/strategies'),
      env: async (demo) => {
        prometheus = await startPrometheus([`127.0.0.1:${demo.DEMO_PORT}`], { scrapeInterval: '1s' });
        return { PROMETHEUS_URL: prometheus.url };
      },
    });
  }, 90_000);
  afterAll(async () => {
    await app?.stop();
    await prometheus?.stop();
  });

  const run = (key: string) => findRunByKey(app.runtime.ctx.db, key);
  const until = (key: string, states: readonly string[], timeoutMs = 45_000) => runReaching(app.runtime.ctx.db, key, states, timeoutMs);
  const posted = (fragment: string) => app.slack.called('chat.postMessage').filter((call) => app.slack.textOf(call).includes(fragment));
  const live = async () => (await (await fetch(`http://127.0.0.1:${app.demo.DEMO_PORT}/health`)).json()) as { version: string };
  const pool = () =>
    JSON.parse(
      execFileSync(process.execPath, [join(PROJECT_ROOT, 'demo/service/ctl.mjs'), 'status', '--json'], { env: { ...process.env, ...app.demo } }).toString(),
    ) as { backends: Record<string, { version: string; weight: number }> };

  async function startAndGo(text: string, key: string) {
    expect(JSON.stringify((await app.command('alice', text)).json)).toContain(`Run ${key} created`);
    const waiting = await until(key, ['awaiting_decision']);
    expect((await app.click('bob', 'run.go', waiting.id)).status).toBe(200);
    return waiting.id;
  }

  it('canary: a manual step waits for Promote (approvers only), then the canary reaches 100 %', async () => {
    const id = await startAndGo('start storefront 1.0.0', 'storefront-1');
    const asking = await until('storefront-1', ['awaiting_promotion']);
    expect(asking.steps.map((step) => step.name)).toContain('Hold the canary at 5% for 3s, then ask to promote');
    await waitFor('the promote buttons', async () => app.slack.called('chat.update').find((call) => JSON.stringify(call.args.blocks).includes('run.promote')));
    await waitFor('the question in the thread', async () => posted('Canary looks healthy. Increase traffic?')[0]);

    await app.click('alice', 'run.promote', id);
    await waitFor('the refusal', async () =>
      app.slack.called('chat.postEphemeral').find((call) => app.slack.textOf(call).includes('Only approvers may promote')),
    );
    expect((await run('storefront-1'))!.state).toBe('awaiting_promotion');

    await app.click('bob', 'run.promote', id);
    const done = await until('storefront-1', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect((await live()).version).toBe('1.0.0');
  }, 90_000);

  it('canary: promoted from 5 %, it breaks at 25 % and is rolled back by itself with the numbers', async () => {
    const id = await startAndGo('start storefront 2.0.0-errors-at-25', 'storefront-2');
    await until('storefront-2', ['awaiting_promotion']);
    await app.click('bob', 'run.promote', id);
    const done = await until('storefront-2', TERMINAL_STATES, 60_000);
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.trigger).toBe('error_rate > 5% for 2s');
    expect(done.rollback?.reason).toMatch(/error_rate was (20%, )+20% \(> 5%\)/);
    expect(done.steps.map((step) => step.name)).toEqual(
      expect.arrayContaining(['Send 25% of traffic to the canary', 'Abort the canary (weight 0, canary removed)']),
    );
    expect(done.steps.map((step) => step.name)).not.toContain('Promote the canary to 100%');
    const rollback = await waitFor('the rollback message', async () => posted('URGENT: Deployment Rolled Back - storefront 2.0.0-errors-at-25')[0]);
    expect(app.slack.textOf(rollback)).toContain('max(demo_error_ratio)');
    // The canary is gone and production is the stable version again.
    expect(
      Object.values(pool().backends)
        .filter((backend) => backend.weight > 0)
        .map((backend) => backend.version),
    ).toEqual(['1.0.0']);
    expect((await live()).version).toBe('1.0.0');
  }, 90_000);

  it('rolling: batch 2 fails its check; batches 2 and 1 get the previous version back, newest first', async () => {
    await startAndGo('start storefront 3.0.0-breaks-at-2 --strategy rolling', 'storefront-3');
    const done = await until('storefront-3', TERMINAL_STATES, 60_000);
    expect(done.state).toBe('rolled_back');
    expect(done.previousVersion).toBe('1.0.0');
    expect(done.steps.map((step) => `${step.ok ? 'ok' : 'FAILED'} ${step.name}`)).toEqual([
      'ok Deploy batch 1/2 (instances 0, 1)',
      'ok Check batch 1/2 (instances 0, 1)',
      'ok Deploy batch 2/2 (instances 2, 3)',
      'FAILED Check batch 2/2 (instances 2, 3)',
      'ok Put the previous version back on batch 2/2 (instances 2, 3)',
      'ok Put the previous version back on batch 1/2 (instances 0, 1)',
    ]);
    expect(done.failure?.message).toMatch(/instance 2/);
    const versions = Object.values(pool().backends)
      .filter((backend) => backend.weight > 0)
      .map((backend) => backend.version);
    expect(versions.length).toBeGreaterThan(0);
    expect(new Set(versions)).toEqual(new Set(['1.0.0']));
  }, 90_000);

  it('feature flag: turned on, production fails, the rollback turns it off', async () => {
    await startAndGo('start storefront 4.0.0-broken --strategy feature-flag', 'storefront-4');
    const done = await until('storefront-4', TERMINAL_STATES, 60_000);
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.trigger).toBe('health failing for 3 checks');
    expect(done.steps.filter((step) => step.stepId.startsWith('rollback')).map((step) => step.name)).toEqual(['Flag off']);
    // The new code stays deployed, dark: with its flag off, production answers again.
    const health = await fetch(`http://127.0.0.1:${app.demo.DEMO_PORT}/health`);
    expect(health.status).toBe(200);
    // What the worker posted shows the URLs it called filled in (the rollback's evidence quotes the health check), never a raw ${…}.
    // The flag went off: the message says the new build still serves with its feature off, never "restored to the previous version".
    const rollback = await waitFor('the rollback message', async () => posted('URGENT: Feature turned off - storefront 4.0.0-broken')[0]);
    expect(app.slack.textOf(rollback)).toContain('4.0.0-broken still serves, with its feature off');
    expect(app.slack.textOf(rollback)).toContain(`GET http://127.0.0.1:${app.demo.DEMO_PORT}/health → 500`);
    const texts = [...app.slack.called('chat.postMessage'), ...app.slack.called('chat.update')].map((call) => app.slack.textOf(call));
    expect(texts.filter((text) => text.includes('${'))).toEqual([]);
  }, 90_000);
});
