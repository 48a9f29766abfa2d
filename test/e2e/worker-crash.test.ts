import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventsOf } from '../../src/store/runs.ts';
import { runEnded, waitFor } from '../support/flightdeck.ts';
import { startWithWorkerProcesses } from '../support/worker-processes.ts';

/** A worker process SIGKILLed in the middle of a deploy step: the next worker finishes the run, and no completed step runs twice. */
describe('a worker killed mid-step', () => {
  let flightdeck: Awaited<ReturnType<typeof startWithWorkerProcesses>>;
  beforeAll(async () => {
    flightdeck = await startWithWorkerProcesses({ DEMO_DEPLOY_DELAY_MS: '3000' });
  });
  afterAll(async () => flightdeck?.stop());

  it('resumes the run after a new worker starts', async () => {
    const { server, slack, demo } = flightdeck;
    const first = flightdeck.startWorker();
    const run = await flightdeck.startAndApprove('1.1.0', 'demo-1');
    await waitFor('the deploy step to start', async () =>
      (await eventsOf(server.ctx.db, run.id)).some(({ event }) => event.type === 'step.started' && event.stepId === 'deploy.0'),
    );
    await new Promise((resolve) => setTimeout(resolve, 700)); // inside the step: the slot is starting, the step has not finished

    await flightdeck.kill(first);
    flightdeck.startWorker();

    const finished = await runEnded(server.ctx.db, 'demo-1', 60_000);
    expect(finished.state).toBe('succeeded');

    const events = (await eventsOf(server.ctx.db, run.id)).map(({ event }) => event);
    const count = (type: string, stepId: string) => events.filter((event) => event.type === type && 'stepId' in event && event.stepId === stepId).length;
    expect(count('step.started', 'deploy.0')).toBe(2); // taken over after the crash
    for (const stepId of ['pre_checks.0', 'deploy.0', 'deploy.1', 'deploy.2']) expect(count('step.succeeded', stepId)).toBe(1);
    // The audit trail keeps what the command printed.
    expect(events.find((event) => event.type === 'step.succeeded' && event.stepId === 'deploy.0')).toMatchObject({
      output: expect.stringContaining('deployed 1.1.0 to the'),
    });

    const actions = readFileSync(join(demo.DEMO_STATE_DIR, 'actions.log'), 'utf8').trim().split('\n');
    expect(actions.filter((line) => line.includes(`deploy ${run.id}`))).toHaveLength(1);
    expect(actions.filter((line) => line.includes(`switch ${run.id}`))).toHaveLength(1);
    // The success announcement comes from the second worker, after the run's state is saved.
    await waitFor('the success message', async () =>
      slack.called('chat.postMessage').some((call) => slack.textOf(call).includes('Deployment Complete: demo 1.1.0')),
    );
  }, 120_000);
});
