import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { onAction } from '../../src/app/on-action.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { PROJECT_ROOT, type Runtime } from '../../src/runtime.ts';
import { eventsOf, findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { demoServiceEnv, flightdeckEnv, startFlightdeck, stopDemoService, waitFor, type TestServices } from '../support/flightdeck.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

/** The worker SIGKILLed while it switches traffic back: the rollback completes after restart, exactly once, and on-call is paged once. */
describe('a worker killed during a rollback', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let services: TestServices;
  let demo: Awaited<ReturnType<typeof demoServiceEnv>>;
  let server: Runtime;
  const workers: ChildProcess[] = [];

  function startWorker(): ChildProcess {
    const env = { ...process.env, ...flightdeckEnv(services, { WORKER_LOCK_MS: '2000' }), ...demo, DEMO_SWITCH_BACK_DELAY_MS: '3000' };
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

  it('finishes the rollback once after a new worker starts', async () => {
    const first = startWorker();
    await onCommand(server.ctx, { actor: alice, text: 'start demo 1.2.0-broken', requestKey: null });
    const run = await waitFor('the Go/No-Go', async () => {
      const found = await findRunByKey(server.ctx.db, 'demo-1');
      return found?.state === 'awaiting_decision' && found;
    });
    await onAction(server.ctx, { actor: bob, action: ACTIONS.go, runId: run.id, rationale: null });
    await waitFor('the switch back to start', async () => (await eventsOf(server.ctx.db, run.id)).some(({ event }) => event.type === 'step.started' && event.stepId === 'rollback.0'), 45_000);
    await new Promise((resolve) => setTimeout(resolve, 500));

    process.kill(-first.pid!, 'SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    startWorker();

    const done = await waitFor('the rollback to finish', async () => {
      const found = await findRunByKey(server.ctx.db, 'demo-1');
      return found && ['rolled_back', 'rollback_failed'].includes(found.state) && found;
    }, 60_000);
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
