import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReaching, waitFor } from '../support/flightdeck.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

const ENDED = ['succeeded', 'failed', 'no_go', 'deferred', 'cancelled', 'rolled_back', 'rollback_failed'];

/**
 * `/deploy rollback demo [to <version>]` after deployments have finished, through the real Bolt receiver,
 * a real worker and the demo service's real processes: a new run puts an earlier version back, and the
 * demo router serves it.
 */
describe('Slack: rolling back a finished deployment on the demo service', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: true });
  });
  afterAll(async () => app?.stop());

  const until = (key: string, states: string[], timeoutMs = 45_000) => runReaching(app.runtime.ctx.db, key, states, timeoutMs);
  const reply = async (user: Parameters<typeof app.command>[0], text: string) => JSON.stringify((await app.command(user, text)).json);
  const live = async () => ((await (await fetch(`http://127.0.0.1:${app.demo.DEMO_PORT}/health`)).json()) as { version: string }).version;
  const shown = (fragment: string) =>
    waitFor(`"${fragment}" in the channel`, async () =>
      app.slack.calls.find((call) => ['chat.postMessage', 'chat.update'].includes(call.method) && app.slack.textOf(call).includes(fragment)),
    );
  const runCount = async () =>
    ((await app.runtime.ctx.db.execute(sql`select count(*)::int as n from runs`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;

  async function deployWithGo(version: string, key: string) {
    expect(await reply('alice', `start demo ${version}`)).toContain(`Run ${key} created`);
    const waiting = await until(key, ['awaiting_decision']);
    await app.click('bob', 'run.go', waiting.id);
    expect((await until(key, ENDED)).state).toBe('succeeded');
  }

  it('1.0.0 then 1.1.0 deployed with GO; on-call rolls back: a new run deploys 1.0.0 with no GO, and the router serves 1.0.0', async () => {
    await deployWithGo('1.0.0', 'demo-1');
    await deployWithGo('1.1.0', 'demo-2');
    expect(await live()).toBe('1.1.0');

    expect(await reply('carol', 'rollback demo')).toContain(
      'Run demo-3 created: Rollback of demo: 1.1.0 → 1.0.0 on production (1.1.0 was deployed by demo-2). It deploys 1.0.0 again by blue-green, with no Go/No-Go',
    );
    await shown('Deployment started: demo 1.0.0 → production (rollback from 1.1.0)');
    await shown('Rollback of demo: 1.1.0 → 1.0.0');
    const done = await until('demo-3', ENDED);
    expect({ state: done.state, decision: done.decision, previousVersion: done.previousVersion, redeploy: done.redeploy }).toEqual({
      state: 'succeeded',
      decision: null,
      previousVersion: '1.1.0',
      redeploy: { from: '1.1.0', to: '1.0.0', of: 'demo-2' },
    });
    expect(await live()).toBe('1.0.0');
    await shown('Deployment complete: demo 1.0.0 → production (rollback from 1.1.0)');
  }, 120_000);

  it('rollback demo to 1.1.0 puts 1.1.0 back', async () => {
    expect(await reply('bob', 'rollback demo to 1.1.0')).toContain('Run demo-4 created: Rollback of demo: 1.0.0 → 1.1.0');
    expect((await until('demo-4', ENDED)).state).toBe('succeeded');
    expect(await live()).toBe('1.1.0');
  }, 60_000);

  it('a version that never succeeded there, and a deployer who is not on-call, an approver or an admin, are refused and write no run', async () => {
    const before = await runCount();
    expect(await reply('carol', 'rollback demo to 9.9.9')).toContain(
      'demo 9.9.9 has never succeeded on production: a rollback goes only to a version that did. Versions it can go back to: 1.0.0.',
    );
    expect(await reply('alice', 'rollback demo')).toContain('Only approvers, on-call and admins may roll back demo production');
    expect(await runCount()).toBe(before);
    expect(await live()).toBe('1.1.0');
  });
});
