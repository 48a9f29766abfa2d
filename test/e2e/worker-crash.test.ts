import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onAction } from '../../src/app/on-action.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { PROJECT_ROOT, type Runtime } from '../../src/runtime.ts';
import { eventsOf, findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { demoServiceEnv, flightdeckEnv, startFlightdeck, stopDemoService, waitFor, type TestServices } from '../support/flightdeck.ts';
import { inject } from 'vitest';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

/** A worker process SIGKILLed in the middle of a deploy step: the next worker finishes the run, and no completed step runs twice. */
describe('a worker killed mid-step', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let services: TestServices;
  let demo: Awaited<ReturnType<typeof demoServiceEnv>>;
  let server: Runtime;
  const workers: ChildProcess[] = [];

  function startWorker(): ChildProcess {
    const env = { ...process.env, ...flightdeckEnv(services, { WORKER_LOCK_MS: '2000' }), ...demo, DEMO_DEPLOY_DELAY_MS: '3000' };
    // Its own process group, so killing the group takes the worker and the command it is running, like a container dying.
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'worker'], { env, cwd: PROJECT_ROOT, detached: true, stdio: 'ignore' });
    workers.push(child);
    return child;
  }

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    demo = await demoServiceEnv();
    services = { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url };
    server = await startFlightdeck(services, { http: false, worker: false });
  });

  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) process.kill(-worker.pid!, 'SIGKILL');
    await server?.stop();
    stopDemoService(demo);
    await slack?.stop();
    await db?.drop();
  });

  it('resumes the run after a new worker starts', async () => {
    const first = startWorker();
    const reply = await onCommand(server.ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: null });
    expect(reply).toMatchObject({ kind: 'text', text: expect.stringContaining('demo-1 created') });
    const run = await waitFor('the Go/No-Go', async () => {
      const found = await findRunByKey(server.ctx.db, 'demo-1');
      return found?.state === 'awaiting_decision' && found;
    });
    await onAction(server.ctx, { actor: bob, action: ACTIONS.go, runId: run.id, rationale: null });
    await waitFor('the deploy step to start', async () => (await eventsOf(server.ctx.db, run.id)).some(({ event }) => event.type === 'step.started' && event.stepId === 'deploy.0'));
    await new Promise((resolve) => setTimeout(resolve, 700)); // inside the step: the slot is starting, the step has not finished

    process.kill(-first.pid!, 'SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    startWorker();

    const finished = await waitFor('the run to finish', async () => {
      const found = await findRunByKey(server.ctx.db, 'demo-1');
      return found && ['succeeded', 'rolled_back', 'rollback_failed', 'failed'].includes(found.state) && found;
    }, 60_000);
    expect(finished.state).toBe('succeeded');

    const events = (await eventsOf(server.ctx.db, run.id)).map(({ event }) => event);
    const count = (type: string, stepId: string) => events.filter((event) => event.type === type && 'stepId' in event && event.stepId === stepId).length;
    expect(count('step.started', 'deploy.0')).toBe(2); // taken over after the crash
    for (const stepId of ['pre_checks.0', 'deploy.0', 'deploy.1', 'deploy.2']) expect(count('step.succeeded', stepId)).toBe(1);
    // The audit trail keeps what the command printed.
    expect(events.find((event) => event.type === 'step.succeeded' && event.stepId === 'deploy.0')).toMatchObject({ output: expect.stringContaining('deployed 1.1.0 to the') });

    const actions = readFileSync(join(demo.DEMO_STATE_DIR, 'actions.log'), 'utf8').trim().split('\n');
    expect(actions.filter((line) => line.includes(`deploy ${run.id}`))).toHaveLength(1);
    expect(actions.filter((line) => line.includes(`switch ${run.id}`))).toHaveLength(1);
    // The success announcement comes from the second worker, after the run's state is saved.
    await waitFor('the success message', async () => slack.called('chat.postMessage').some((call) => slack.textOf(call).includes('Deployment Complete: demo 1.1.0')));
  }, 120_000);
});
