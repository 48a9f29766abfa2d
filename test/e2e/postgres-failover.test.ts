import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { freePort } from '../../src/services/ports.ts';
import { findRunByKey, findRunByRequestKey } from '../../src/store/runs.ts';
import { runs } from '../../src/store/schema.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { flightdeckEnv, runReaching, waitFor } from '../support/flightdeck.ts';
import { slackHeaders, slashCommandBody } from '../support/slack-requests.ts';

const PLANS = join(PROJECT_ROOT, 'test/fixtures/failover');
const ENVIRONMENTS = Array.from({ length: 16 }, (_, index) => `e${index + 1}`);

interface Answer {
  environment: string;
  requestKey: string;
  key: string | null;
  said: 'created' | 'nothing changed' | 'cannot tell' | 'other';
  text: string;
}

/**
 * Postgres restarting or failing over ends every session (57P01). Serve and a worker run as real processes
 * while runs are started; their backends are terminated, over and over, and once the database also refuses
 * new sessions for a while (a failover's gap). Neither process may die, /health/ready must say the database
 * is gone and then recover, and every start Slack was told about must have its run, which the worker finishes.
 */
describe('Postgres terminating every session under load', () => {
  let db: Awaited<ReturnType<typeof freshPostgres>>;
  let slack: FakeSlack;
  let admin: pg.Client;
  let base = '';
  const processes: { name: string; child: ChildProcess; stderr: string }[] = [];

  beforeAll(async () => {
    db = await freshPostgres();
    slack = await new FakeSlack().start();
    admin = new pg.Client({ connectionString: inject('databaseUrl') });
    await admin.connect();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      ...flightdeckEnv(
        { databaseUrl: db.url, redisUrl: inject('redisUrl'), queuePrefix: freshQueuePrefix(), slackApiUrl: slack.url, plansDir: PLANS },
        { PORT: String(port), WORKER_LOCK_MS: '2000', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error' },
      ),
    };
    for (const name of ['serve', 'worker']) {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), name], { env, cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      const entry = { name, child, stderr: '' };
      child.stderr!.on('data', (chunk) => (entry.stderr += chunk));
      processes.push(entry);
    }
    await waitFor('serve to be ready', async () => (await readiness()) === 200, 60_000);
  }, 90_000);
  afterAll(async () => {
    for (const { child } of processes) if (child.exitCode === null) child.kill('SIGKILL');
    await admin?.query(`alter database ${databaseName()} allow_connections true`).catch(() => {});
    await admin?.end();
    await slack?.stop();
    await db?.drop();
  });

  const databaseName = () => new URL(db.url).pathname.slice(1);
  const readiness = () =>
    fetch(`${base}/health/ready`).then(
      (response) => response.status,
      () => 0,
    );
  const terminateSessions = () =>
    admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [databaseName()]);
  /**
   * A start as Slack sends it, with what its ack said: the run it created, "nothing was changed", or that it
   * cannot tell (the connection was lost under the write and the database could not be asked since).
   */
  const start = async (environment: string): Promise<Answer> => {
    const triggerId = `${environment}.${randomUUID()}`;
    const body = slashCommandBody({
      text: `start failover 1.0.0 ${environment}`,
      userId: 'U0DEMOALICE',
      userName: 'alice',
      channelId: 'C0FAILOVER',
      triggerId,
    });
    const response = await fetch(`${base}/slack/events`, { method: 'POST', body, headers: slackHeaders(body) }).catch(() => null);
    const text = response?.status === 200 ? ((await response.json()) as { text: string }).text : `HTTP ${response?.status ?? 'no answer'}`;
    // Only a start that created a run acks one: a refusal may name another run ("failover-1 is already active").
    const key = /\bRun (failover-\d+) created\b/.exec(text)?.[1] ?? null;
    const said = key ? 'created' : text.includes('Nothing was changed') ? 'nothing changed' : text.includes('cannot tell') ? 'cannot tell' : 'other';
    return { environment, requestKey: `slack:${triggerId}`, key, said, text };
  };
  const alive = () => processes.filter(({ child }) => child.exitCode === null && child.signalCode === null).map(({ name }) => name);
  /** Readiness, failing at once (with its stderr) when a process has died rather than waiting out the poll. */
  const readinessOfLiving = async () => {
    const dead = processes.find(({ name }) => !alive().includes(name));
    if (dead) throw new Error(`${dead.name} died: ${dead.stderr.slice(-2000)}`);
    return readiness();
  };

  it('serve and the worker stay up, /health/ready follows the database, and every acked start has its run', async () => {
    const starts: Promise<Answer>[] = [];
    let sawUnready = false;
    for (const [index, environment] of ENVIRONMENTS.entries()) {
      starts.push(start(environment));
      if (index % 3 === 1) await terminateSessions();
      if (index === 8) {
        // A failover's gap: the database refuses new sessions while the old ones are ended.
        await admin.query(`alter database ${databaseName()} allow_connections false`);
        await terminateSessions();
        await waitFor('/health/ready to report the database unavailable', async () => (await readinessOfLiving()) === 503);
        sawUnready = true;
        starts.push(start('e1')); // refused politely or queued behind e1's run: either way, the ack tells the truth
        await admin.query(`alter database ${databaseName()} allow_connections true`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const answers = await Promise.all(starts);
    await terminateSessions();

    expect(sawUnready).toBe(true);
    await waitFor('/health/ready to recover', async () => (await readinessOfLiving()) === 200, 30_000);
    expect(alive(), processes.map(({ name, stderr }) => `${name}: ${stderr.slice(-2000)}`).join('\n')).toEqual(['serve', 'worker']);
    // Every ack told the truth about its own request: "created" names the run that request made, "nothing was
    // changed" left no run behind it, and only a lost connection may say it cannot tell. Then every target
    // without a run is started again: serve has reconnected, so each goes through.
    for (const answer of answers) {
      const made = await findRunByRequestKey(db.database.db, answer.requestKey);
      if (answer.said === 'created') expect(made?.key, answer.text).toBe(answer.key);
      else if (answer.said === 'nothing changed') expect(made, `${answer.environment}: ${answer.text}`).toBeNull();
      else if (answer.said !== 'cannot tell') expect(answer.text.startsWith('failover-'), `${answer.environment}: ${answer.text}`).toBe(true); // already active
    }
    const withRun = new Set((await db.database.db.select({ environment: runs.environment }).from(runs)).map((run) => run.environment));
    const again = await Promise.all(ENVIRONMENTS.filter((environment) => !withRun.has(environment)).map(start));
    expect(
      again.filter(({ key }) => !key),
      `serve: ${processes[0]!.stderr.slice(-6000)}`,
    ).toEqual([]);
    const acked = [...answers, ...again].flatMap(({ key }) => (key ? [key] : []));
    expect(new Set(acked).size).toBe(acked.length);
    for (const key of acked) {
      expect(await findRunByKey(db.database.db, key), key).not.toBeNull();
      await runReaching(db.database.db, key, ['succeeded'], 60_000);
    }
    expect(alive()).toEqual(['serve', 'worker']);
  }, 180_000);
});
