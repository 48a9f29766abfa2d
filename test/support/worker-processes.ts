import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { onAction } from '../../src/app/on-action.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { PROJECT_ROOT, type Runtime } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres, freshQueuePrefix } from './databases.ts';
import { FakeSlack } from './fake-slack.ts';
import { demoServiceEnv, flightdeckEnv, startFlightdeck, stopDemoService, waitFor, type TestServices } from './flightdeck.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };

/**
 * Flightdeck's server side in this process (no worker) and workers as real child processes, each in
 * its own process group, so `kill()` takes a worker and the command it runs, like a container dying.
 */
export async function startWithWorkerProcesses(workerEnv: Record<string, string>, options: { plansDir?: string } = {}) {
  const db = await freshPostgres();
  const slack = await new FakeSlack().start();
  const demo = await demoServiceEnv();
  const services: TestServices = {
    databaseUrl: db.url,
    redisUrl: inject('redisUrl'),
    queuePrefix: freshQueuePrefix(),
    slackApiUrl: slack.url,
    plansDir: options.plansDir,
  };
  const server: Runtime = await startFlightdeck(services, { http: false, worker: false });
  const workers: ChildProcess[] = [];
  return {
    server,
    services,
    slack,
    demo,
    startWorker(extraEnv: Record<string, string> = {}): ChildProcess {
      const env = { ...process.env, ...flightdeckEnv(services, { WORKER_LOCK_MS: '2000' }), ...demo, ...workerEnv, ...extraEnv };
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'worker'], { env, cwd: PROJECT_ROOT, detached: true, stdio: 'ignore' });
      workers.push(child);
      return child;
    },
    async kill(worker: ChildProcess): Promise<void> {
      process.kill(-worker.pid!, 'SIGKILL');
      if (worker.exitCode === null && worker.signalCode === null) await new Promise((resolve) => worker.once('exit', resolve));
    },
    /** alice starts `demo <version>`, bob says GO; returns the run once it is past the decision. */
    async startAndApprove(version: string, key: string) {
      await onCommand(server.ctx, { actor: alice, text: `start demo ${version}`, requestKey: null });
      const run = await waitFor('the Go/No-Go', async () => {
        const found = await findRunByKey(server.ctx.db, key);
        return found?.state === 'awaiting_decision' && found;
      });
      await onAction(server.ctx, { actor: bob, action: ACTIONS.go, runId: run.id, rationale: null });
      return run;
    },
    async stop() {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) process.kill(-worker.pid!, 'SIGKILL');
      await server.stop();
      stopDemoService(demo);
      await slack.stop();
      await db.drop();
    },
  };
}
