import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { freePort } from '../../src/services/ports.ts';
import { eventsOf } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { flightdeckEnv, runEnded, waitFor } from '../support/flightdeck.ts';
import { slackHeaders, slashCommandBody } from '../support/slack-requests.ts';
import { startWithWorkerProcesses } from '../support/worker-processes.ts';

/** No worker may wait out another's lock in these tests: ten minutes would outlast every test here. */
const LOCK_NEVER_EXPIRES = { WORKER_LOCK_MS: '600000' };

async function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
  return child.exitCode;
}

/** A worker SIGTERMed during a deploy step: the step finishes there (or is handed back), the worker exits 0, and the next worker goes on at once. */
describe('a worker stopped with SIGTERM during a step', () => {
  let flightdeck: Awaited<ReturnType<typeof startWithWorkerProcesses>>;
  beforeAll(async () => {
    flightdeck = await startWithWorkerProcesses({ DEMO_DEPLOY_DELAY_MS: '4000', ...LOCK_NEVER_EXPIRES });
  });
  afterAll(async () => flightdeck?.stop());

  /** Resolves once the deploy command of `version` is inside its step: its new slot answers with that version. */
  function slotAnswering(version: string) {
    const slots = [1, 2].map((offset) => Number(flightdeck.demo.DEMO_PORT) + offset);
    return waitFor(`a slot serving ${version}`, async () => {
      for (const port of slots) {
        const answer = await fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.json() as Promise<{ version?: string }>,
          () => null,
        );
        if (answer?.version === version) return true;
      }
      return false;
    });
  }

  const deployLines = (runId: string) =>
    readFileSync(join(flightdeck.demo.DEMO_STATE_DIR, 'actions.log'), 'utf8')
      .trim()
      .split('\n')
      .filter((line) => line.includes(`deploy ${runId} `));
  const stepEvents = async (runId: string, type: string, stepId: string) =>
    (await eventsOf(flightdeck.server.ctx.db, runId)).filter(({ event }) => event.type === type && 'stepId' in event && event.stepId === stepId);

  it('lets the running step finish within the grace period, exits 0, and the run goes on with the next worker', async () => {
    const first = flightdeck.startWorker({ SHUTDOWN_GRACE_MS: '60000' });
    const run = await flightdeck.startAndApprove('1.1.0', 'demo-1');
    await slotAnswering('1.1.0');
    const terminatedAt = Date.now();
    process.kill(first.pid!, 'SIGTERM');
    expect(await exitOf(first)).toBe(0);

    // The step finished in the stopping worker, after the SIGTERM, once; nobody took it over.
    const lines = deployLines(run.id);
    expect(lines).toHaveLength(1);
    expect(Date.parse(lines[0]!.split(' ')[0]!)).toBeGreaterThanOrEqual(terminatedAt);
    expect(await stepEvents(run.id, 'step.succeeded', 'deploy.0')).toHaveLength(1);

    // The next worker goes on at once: with locks that never expire in this test, it could not take a held job.
    const second = flightdeck.startWorker();
    expect((await runEnded(flightdeck.server.ctx.db, 'demo-1', 90_000)).state).toBe('succeeded');
    expect(await stepEvents(run.id, 'step.started', 'deploy.0')).toHaveLength(1);
    expect(deployLines(run.id)).toHaveLength(1);
    // An idle worker stops at once, and cleanly too.
    process.kill(second.pid!, 'SIGTERM');
    expect(await exitOf(second)).toBe(0);
  }, 150_000);

  it('hands a step still running when the grace period ends back to the queue, and another worker takes it at once', async () => {
    const first = flightdeck.startWorker({ SHUTDOWN_GRACE_MS: '300' });
    const run = await flightdeck.startAndApprove('1.2.0', 'demo-2');
    await slotAnswering('1.2.0');
    process.kill(first.pid!, 'SIGTERM');
    expect(await exitOf(first)).toBe(0);
    // Its command was killed before it finished, and nothing was reported for it.
    expect(deployLines(run.id)).toHaveLength(0);
    expect(await stepEvents(run.id, 'step.failed', 'deploy.0')).toHaveLength(0);

    flightdeck.startWorker();
    expect((await runEnded(flightdeck.server.ctx.db, 'demo-2', 90_000)).state).toBe('succeeded');
    // Taken over (a second start of the handed-back job), run whole once, succeeded once.
    expect((await stepEvents(run.id, 'step.started', 'deploy.0')).map(({ event }) => 'attempt' in event && event.attempt)).toEqual([1, 2]);
    expect(deployLines(run.id)).toHaveLength(1);
    expect(await stepEvents(run.id, 'step.succeeded', 'deploy.0')).toHaveLength(1);
  }, 150_000);
});

/** serve SIGTERMed while a request is in flight: that request is still answered, then serve exits 0. */
describe('serve stopped with SIGTERM during a request', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let serve: ChildProcess | null = null;
  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
  });
  afterAll(async () => {
    if (serve && serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
    await slack?.stop();
    await db?.drop();
  });

  it('answers the request it was handling, then exits 0', async () => {
    const port = await freePort();
    const env = flightdeckEnv(
      { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url },
      { PORT: String(port) },
    );
    serve = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'serve'], {
      env: { ...process.env, ...env },
      cwd: PROJECT_ROOT,
      stdio: 'ignore',
    });
    await waitFor('serve to listen', () =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (response) => response.ok,
        () => false,
      ),
    );

    // `--at` makes serve ask Slack for the requester's time zone before it answers: Slack holds that call, so the request is in flight.
    const release = slack.hold('users.info');
    const body = slashCommandBody({ text: 'start demo 1.1.0 --at 23:59', userId: 'U0DEMOALICE', userName: 'alice' });
    const answer = fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', headers: slackHeaders(body), body });
    await waitFor('serve to be inside the request', async () => slack.called('users.info').length === 1);
    serve.kill('SIGTERM');
    release();

    const response = await answer;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/demo-1|--at/) });
    expect(await exitOf(serve)).toBe(0);
  }, 60_000);
});
