import { execFile } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import type { Reply } from '../../src/app/shared/replies.ts';
import { plain } from '../../src/domain/cards.ts';
import { formatDuration } from '../../src/domain/duration.ts';
import type { Run } from '../../src/domain/run.ts';
import { createLinks } from '../../src/http/links.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { saveCommitTime } from '../../src/store/history.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';
import { driveRun } from '../support/drive-runs.ts';

const FLIGHTDECK = fileURLToPath(new URL('../../bin/flightdeck.js', import.meta.url));
const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
const carol = { platform: 'slack' as const, id: 'U0DEMOCAROL', name: 'carol' };
const say = (reply: Reply) =>
  reply.kind === 'text'
    ? reply.text
    : [reply.card.title, ...reply.card.body.map(plain), ...reply.card.fields.map((field) => `${field.label}: ${plain(field.value)}`)].join('\n');

const MINUTE = 60_000;

/**
 * `/deploy history` and `/deploy stats` on real Postgres, from runs that really went through the use
 * cases: the worker's part (steps, checks) is recorded directly, on a clock the test moves, so every
 * figure is known: when each run ended, when its commit was made, when its rollback began and ended.
 */
describe('history and DORA figures from recorded runs', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  let now = new Date('2026-11-02T09:00:00.000Z');
  const tick = (ms: number) => (now = new Date(now.getTime() + ms));

  beforeAll(async () => {
    pg = await freshPostgres();
    ctx = testContext(pg.database.db, [await loadPlanFile(DEMO_PLAN)], { now: () => now });
  });
  afterAll(async () => pg?.drop());

  const command = async (actor: typeof alice, text: string) => say(await onCommand(ctx, { actor, text, requestKey: null }));
  const run = async (key: string) => (await findRunByKey(ctx.db, key))!;
  const finish = (key: string, unhealthyChecks = 0) => driveRun(ctx, key, { approver: bob, unhealthyChecks, tick: () => tick(1_000) });

  it('with no runs, history and stats say so', async () => {
    expect(await command(alice, 'history demo')).toBe('History: demo (every environment)\nNo runs yet.');
    const stats = await command(alice, 'stats demo');
    expect(stats).toContain('0 production deploys in the last 90 days');
    expect(stats).toContain('Not enough data for performance levels: at least 5 deploys are needed.');
    expect(stats).toContain('Change failure rate: no deploys');
    expect(await command(alice, 'history nosuch')).toMatch(/^There is no deployment plan for "nosuch" and no run of it/);
    expect(await command(alice, 'stats demo --days 0')).toMatch(/^--days needs a whole number of days from 1 to 400\./);
  });

  it('lists runs newest first with who, result, duration and the rollback reason; stats counts only production deploys', async () => {
    // demo-1: committed two hours before it was started, by CI; succeeds.
    const commitAt = new Date(now.getTime() - 2 * 60 * MINUTE).toISOString();
    expect(await command(alice, `start demo 1.0.0 --commit abcdef1@${commitAt}`)).toContain('Run demo-1 created');
    const first = await finish('demo-1');
    expect(first.state).toBe('succeeded');
    expect(first.commit).toEqual({ sha: 'abcdef1', at: commitAt });

    // demo-2: its commit's time is recorded separately (as the commit lookup does), 30 minutes before the start.
    tick(10 * MINUTE);
    await saveCommitTime(ctx.db, 'demo', 'abcdef2', new Date(now.getTime() - 30 * MINUTE));
    expect(await command(alice, 'start demo 1.1.0 --commit abcdef2')).toContain('Run demo-2 created');
    const second = await finish('demo-2');

    // demo-3: three failing checks trip "health failing for 3 checks"; rolled back and validated.
    tick(10 * MINUTE);
    expect(await command(alice, 'start demo 1.2.0-broken')).toContain('Run demo-3 created');
    const third = await finish('demo-3', 3);
    expect(third.state).toBe('rolled_back');

    // demo-4: cancelled before production changed: in the history, not a deploy.
    tick(10 * MINUTE);
    expect(await command(alice, 'start demo 1.3.0')).toContain('Run demo-4 created');
    expect(await command(alice, 'cancel demo-4 wrong version')).toContain('cancel');

    const history = (await command(carol, 'history demo production')).split('\n');
    expect(history[0]).toBe('History: demo production (last 4)');
    expect(history.slice(1, 5).map((line) => line.split(' · ').slice(0, 4))).toEqual([
      ['demo-4', '1.3.0 → production', '🚫 cancelled', 'alice'],
      ['demo-3', '1.2.0-broken → production', '🔴 rolled back', 'alice'],
      ['demo-2', '1.1.0 → production', '✅ succeeded', 'alice'],
      ['demo-1', '1.0.0 → production', '✅ succeeded', 'alice'],
    ]);
    expect(history[2]).toContain(`rollback: ${third.rollback!.reason}`);
    const took = (r: Run) => Math.round((Date.parse(r.finishedAt!) - Date.parse(r.requestedAt)) / 1_000);
    expect(history[4]).toContain(`took ${took(first)}s`);
    // Where pages are served, each line links to its run's page, signed for that page.
    const links = createLinks('https://flightdeck.example.test', 'a-test-link-secret-of-at-least-32-characters', 7 * 86_400_000);
    const linked = (await onCommand({ ...ctx, links }, { actor: carol, text: 'history demo production', requestKey: null })) as Extract<
      Reply,
      { kind: 'card' }
    >;
    const urls = linked.card.body.map((line) => /📄 (\S+)$/.exec(plain(line))?.[1]);
    expect(urls.map((url) => url && new URL(url).pathname)).toEqual(['/runs/demo-4', '/runs/demo-3', '/runs/demo-2', '/runs/demo-1']);
    const signed = new URL(urls[1]!);
    expect(links.verify(signed.pathname, Object.fromEntries(signed.searchParams), now)).toMatchObject({ ok: true });

    const stats = await command(carol, 'stats demo --days 30');
    expect(stats).toContain('3 production deploys in the last 30 days');
    expect(stats).toContain('Deployment frequency: 2 successful');
    expect(stats).toContain('Change failure rate: 33.3 % (1 of 3 deploys rolled back) · not enough data');
    // Lead times: demo-1 ended (2 h + its run time) after its commit, demo-2 (30 min + its run time) after: the median of two is their mean.
    const lead = (Date.parse(first.finishedAt!) - Date.parse(commitAt) + (Date.parse(second.finishedAt!) - (Date.parse(second.requestedAt) - 30 * MINUTE))) / 2;
    expect(stats).toContain(`Lead time for changes: median ${formatDuration(lead)} over 2 runs`);
    // demo-3: from the first failing check that counted to the validated rollback's end.
    const breach = Date.parse(third.rollback!.evidence[0]!.at);
    const detect = Date.parse(third.rollback!.startedAt) - breach;
    const remediate = Date.parse(third.rollback!.trafficRestoredAt!) - Date.parse(third.rollback!.startedAt);
    expect(stats).toContain(`demo-3: detected in ${formatDuration(detect)} ✓, remediated in ${formatDuration(remediate)} ✓`);
    expect(stats).toContain(`Failed deployment recovery time: median ${formatDuration(Date.parse(third.finishedAt!) - breach)} over 1`);

    // Runs that ended before the outcome column existed are read from their snapshots, to the same figures.
    await ctx.db.execute(sql`update runs set outcome = null`);
    expect(await command(carol, 'stats demo --days 30')).toBe(stats);
  });

  it('`flightdeck report <run>` prints the deployment report, and --incident the incident report of a rollback', async () => {
    const report = (args: string[]) =>
      promisify(execFile)(process.execPath, [FLIGHTDECK, 'report', ...args], { env: { ...process.env, DATABASE_URL: pg.url, LOG_LEVEL: 'silent' } }).then(
        (done) => ({ code: 0, out: done.stdout, err: done.stderr }),
        (failed: { code: number; stdout: string; stderr: string }) => ({ code: failed.code, out: failed.stdout, err: failed.stderr }),
      );
    const third = await run('demo-3');
    const deployment = await report(['demo-3']);
    expect(deployment.code).toBe(0);
    expect(deployment.out).toContain('# Deployment Report: demo 1.2.0-broken (demo-3)');
    expect(deployment.out).toContain('**Deployment Status**: 🔴 ROLLED BACK');
    expect(deployment.out).toContain(`- Reason: ${third.rollback!.reason}`);
    const incident = await report(['demo-3', '--incident']);
    expect(incident.out).toContain('# Incident Report: demo 1.2.0-broken (demo-3)');
    expect(incident.out).toContain(`- Time to detect: ${formatDuration(Date.parse(third.rollback!.startedAt) - Date.parse(third.rollback!.evidence[0]!.at))}`);
    expect(await report(['demo-1', '--incident'])).toMatchObject({ code: 1, err: 'demo-1 did not roll back: it has no incident report.\n' });
    expect(await report(['demo-99'])).toMatchObject({ code: 1, err: 'There is no run demo-99 in the postgres database.\n' });
  });

  it('stats of every service reads each plan’s default environment; a start with a bad --commit is refused before anything is written', async () => {
    expect(await command(carol, 'stats --days 30')).toContain('DORA: every service (each in its default environment)');
    expect(await command(alice, 'start demo 1.4.0 --commit xyz')).toMatch(/^"xyz" is not a commit sha/);
    expect(await command(alice, 'start demo 1.4.0 --commit abcdef9@yesterday')).toMatch(/^"yesterday" is not a time/);
    expect(await findRunByKey(ctx.db, 'demo-5')).toBeNull();
  });
});
