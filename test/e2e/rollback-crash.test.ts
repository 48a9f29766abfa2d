import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../../src/store/runs.ts';
import { runEnded, waitFor } from '../support/flightdeck.ts';
import { startWithWorkerProcesses } from '../support/worker-processes.ts';

/** The worker SIGKILLed while it switches traffic back: the rollback completes after restart, exactly once, and on-call is paged once. */
describe('a worker killed during a rollback', () => {
  let flightdeck: Awaited<ReturnType<typeof startWithWorkerProcesses>>;
  beforeAll(async () => {
    flightdeck = await startWithWorkerProcesses({ DEMO_SWITCH_BACK_DELAY_MS: '3000' });
  });
  afterAll(async () => flightdeck?.stop());

  it('finishes the rollback once after a new worker starts', async () => {
    const { server, slack, demo } = flightdeck;
    const first = flightdeck.startWorker();
    const run = await flightdeck.startAndApprove('1.2.0-broken', 'demo-1');
    await waitFor(
      'the switch back to start',
      async () => (await eventsOf(server.ctx.db, run.id)).some(({ event }) => event.type === 'step.started' && event.stepId === 'rollback.0'),
      45_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 500));

    await flightdeck.kill(first);
    flightdeck.startWorker();

    const done = await runEnded(server.ctx.db, 'demo-1', 60_000);
    expect(done.state).toBe('rolled_back');
    const events = (await eventsOf(server.ctx.db, run.id)).map(({ event }) => event);
    expect(events.filter((event) => event.type === 'step.started' && event.stepId === 'rollback.0')).toHaveLength(2);
    expect(events.filter((event) => event.type === 'step.succeeded' && event.stepId === 'rollback.0')).toHaveLength(1);
    const actions = readFileSync(join(demo.DEMO_STATE_DIR, 'actions.log'), 'utf8').trim().split('\n');
    expect(actions.filter((line) => line.includes(`switch-back ${run.id}`))).toHaveLength(1);
    await waitFor('the page', async () => slack.called('chat.postMessage').some((call) => slack.textOf(call).includes('On-call: demo production')));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(slack.called('chat.postMessage').filter((call) => slack.textOf(call).includes('On-call: demo production'))).toHaveLength(1);
  }, 120_000);
});
