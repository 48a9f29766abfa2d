import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { persistEffects, type ChatDeps } from '../../src/app/apply-effects.ts';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onPageAck } from '../../src/app/on-page-ack.ts';
import { decideReminder, runPageJob } from '../../src/app/page-jobs.ts';
import { pageIdFor } from '../../src/app/shared/page-open.ts';
import { sweepOverdue } from '../../src/app/sweep.ts';
import { SlackChat } from '../../src/chat/slack/web-chat.ts';
import type { Run } from '../../src/domain/run.ts';
import type { Database } from '../../src/store/db.ts';
import { findPage, pagesOfRun } from '../../src/store/pages.ts';
import { insertRun } from '../../src/store/runs.ts';
import { ENGINES } from '../support/databases.ts';
import { testContext } from '../support/context.ts';
import { FakeSlack } from '../support/fake-slack.ts';
import { BOT_TOKEN } from '../support/slack-requests.ts';
import { apply, CAROL, PLAN_DOCUMENT, plan, requested, T0 } from '../domain/fixtures.ts';

const MINUTE = 60_000;
const mallory = { platform: 'slack' as const, id: 'UMALLORY', name: 'mallory' };
const REASON = 'api-1 was rolled back: trigger "health failing for 3 checks" fired';

/** A rolled-back run of a plan that repeats pages every 5m and escalates to erin (who has no Slack id) after 15m. */
function rolledBackRun(id: string, key: string): Run {
  const people = { ...PLAN_DOCUMENT.people, erin: { teams: 'aad-erin' } };
  const created = apply(null, [requested(plan({ people, paging: { repeatEvery: '5m', escalateAfter: '15m', escalation: ['erin'] } }))]).run;
  return { ...created, id, key, state: 'rolled_back', cursor: null, seq: 9 };
}

/** Pages on both engines: opened with the transition, reminded once per slot, taken once, swept when their job is lost. */
describe.each(ENGINES)('pages on %s', (_engine, open) => {
  let database: Database;
  let close: () => Promise<void>;
  let slack: FakeSlack;
  let ctx: AppContext;
  let chat: ChatDeps;
  let current = T0;
  const at = (minutes: number) => (current = new Date(T0.getTime() + minutes * MINUTE));

  beforeAll(async () => {
    ({ database, close } = await open());
    slack = await new FakeSlack().start();
    const log = pino({ level: 'silent' });
    ctx = testContext(database.db, [], { now: () => current });
    chat = { db: database.db, chats: { slack: new SlackChat(BOT_TOKEN, { apiUrl: slack.url, retries: 0 }) }, log };
  });
  afterAll(async () => {
    await slack?.stop();
    await close?.();
  });

  async function rows(query: ReturnType<typeof sql>) {
    return ((await database.db.execute(query)) as unknown as { rows: Record<string, unknown>[] }).rows;
  }
  /** Outbox rows of the page queue not seen before, oldest first, as the job each would run. */
  let seen = 0;
  async function newPageJobs(): Promise<Record<string, unknown>[]> {
    const all = await rows(sql`select payload, run_at from outbox where queue = 'flightdeck-pages' order by created_at, payload->>'kind', payload->>'person'`);
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh.map((row) => ({ ...(row.payload as object), at: new Date(row.run_at as string).toISOString() }));
  }
  const iso = (minutes: number) => new Date(T0.getTime() + minutes * MINUTE).toISOString();

  const run = rolledBackRun('11111111-1111-4111-8111-111111111111', 'api-1');
  const pageId = pageIdFor(run);

  it('a page opens in the transaction of the transition that pages, or not at all', async () => {
    await insertRun(database.db, run, requested(), T0, null);
    await expect(
      database.db.transaction(async (tx) => {
        await persistEffects(tx, run, [{ kind: 'page', cause: 'automatic_rollback', reason: REASON }], at(0));
        throw new Error('the transition failed after all');
      }),
    ).rejects.toThrow('the transition failed');
    expect(await pagesOfRun(database.db, run.id)).toEqual([]);

    await database.db.transaction((tx) => persistEffects(tx, run, [{ kind: 'page', cause: 'automatic_rollback', reason: REASON }], at(0)));
    expect(await pagesOfRun(database.db, run.id)).toEqual([
      { id: pageId, runId: run.id, reason: REASON, openedAt: iso(0), acknowledged: null, remindersSent: 0, nextReminderAt: iso(5), escalatedAt: null },
    ]);
    const mention = await rows(sql`select payload from outbox where queue = 'flightdeck-chat'`);
    expect(mention.map((row) => row.payload)).toEqual([{ runId: run.id, effect: { kind: 'page', cause: 'automatic_rollback', reason: REASON, pageId } }]);
    expect(await newPageJobs()).toEqual([
      { kind: 'direct', pageId, reminder: 0, person: 'carol', escalation: false, at: iso(0) },
      { kind: 'reminder', pageId, reminder: 1, at: iso(5) },
    ]);
  });

  it('the first direct message goes to on-call with the Acknowledge button, and is remembered', async () => {
    expect(await runPageJob(ctx, chat, { kind: 'direct', pageId, reminder: 0, person: 'carol', escalation: false })).toBe('sent');
    const [direct] = slack.called('chat.postMessage');
    expect(direct!.args.channel).toBe(CAROL.id);
    const button = (direct!.args.blocks as any[]).flatMap((block) => block.elements ?? []).find((element: any) => element.action_id === 'page.ack');
    expect(button).toMatchObject({ value: pageId, text: { text: 'Acknowledge' } });
    expect(slack.textOf(direct!)).toContain('You are paged: api production');
    expect(await rows(sql`select channel from page_messages`)).toEqual([{ channel: CAROL.id }]);
  });

  it('each reminder is decided once: a duplicate job is refused and writes nothing', async () => {
    at(5);
    expect(await decideReminder(ctx, pageId, 1)).toBe('sent');
    expect(await newPageJobs()).toEqual([
      { kind: 'direct', pageId, reminder: 1, person: 'carol', escalation: false, at: iso(5) },
      { kind: 'reminder', pageId, reminder: 2, at: iso(10) },
    ]);
    expect(await decideReminder(ctx, pageId, 1)).toBe('already_sent');
    expect(await newPageJobs()).toEqual([]);
    at(10);
    expect(await decideReminder(ctx, pageId, 2)).toBe('sent');
    at(15);
    expect(await decideReminder(ctx, pageId, 3)).toBe('sent');
    expect(await newPageJobs()).toEqual([
      { kind: 'direct', pageId, reminder: 2, person: 'carol', escalation: false, at: iso(10) },
      { kind: 'reminder', pageId, reminder: 3, at: iso(15) },
      { kind: 'direct', pageId, reminder: 3, person: 'carol', escalation: false, at: iso(15) },
      { kind: 'direct', pageId, reminder: 3, person: 'erin', escalation: true, at: iso(15) },
      { kind: 'reminder', pageId, reminder: 4, at: iso(20) },
    ]);
    expect((await findPage(database.db, pageId))!.escalatedAt).toBe(iso(15));
  });

  it('someone without an id on the run’s platform is skipped; nothing is posted for them', async () => {
    const before = slack.calls.length;
    expect(await runPageJob(ctx, chat, { kind: 'direct', pageId, reminder: 3, person: 'erin', escalation: true })).toBe('skipped');
    expect(slack.calls.length).toBe(before);
  });

  it('only on-call, escalation contacts and approvers may take the page; then reminders stop and the run’s thread is told', async () => {
    at(16);
    const refused = await onPageAck(ctx, { actor: mallory, pageId });
    expect(refused).toMatchObject({
      accepted: false,
      reply: { text: 'Only on-call, the escalation contacts and approvers may acknowledge this page (carol, erin, bob).' },
    });
    expect((await findPage(database.db, pageId))!.acknowledged).toBeNull();

    const taken = await onPageAck(ctx, { actor: CAROL, pageId });
    expect(taken.accepted).toBe(true);
    expect(taken.card?.title).toBe('🟢 Page acknowledged: api production');
    expect(await findPage(database.db, pageId)).toMatchObject({ acknowledged: { by: CAROL, at: iso(16) }, nextReminderAt: null, remindersSent: 3 });
    const log = await rows(sql`select payload from outbox where queue = 'flightdeck-chat' and payload->'effect'->>'kind' = 'postLog'`);
    expect(log.map((row) => row.payload)).toEqual([{ runId: run.id, effect: { kind: 'postLog', text: '🟢 Page acknowledged by carol after 16m' } }]);
    expect(await newPageJobs()).toEqual([{ kind: 'acknowledged', pageId, at: iso(16) }]);

    at(17);
    expect(await onPageAck(ctx, { actor: CAROL, pageId })).toMatchObject({ accepted: false, reply: { text: 'Already acknowledged by carol at 14:16 UTC.' } });
    at(20);
    expect(await decideReminder(ctx, pageId, 4)).toBe('acknowledged');
    expect(await newPageJobs()).toEqual([]);
  });

  it('a direct message job for a taken page sends nothing; the acknowledged job edits every message of the page', async () => {
    const posts = slack.called('chat.postMessage').length;
    expect(await runPageJob(ctx, chat, { kind: 'direct', pageId, reminder: 3, person: 'carol', escalation: false })).toBe('acknowledged');
    expect(slack.called('chat.postMessage').length).toBe(posts);
    expect(await runPageJob(ctx, chat, { kind: 'acknowledged', pageId })).toBe('edited');
    const [edit] = slack.called('chat.update');
    expect(edit!.args.channel).toBe(CAROL.id);
    expect(slack.textOf(edit!)).toContain('Page acknowledged: api production');
    expect(JSON.stringify(edit!.args.blocks)).not.toContain('page.ack');
  });

  it('a reminder whose job Redis lost is enqueued again by the sweeper, once it is late by more than the grace', async () => {
    const lost = rolledBackRun('33333333-3333-4333-8333-333333333333', 'api-2');
    await insertRun(database.db, lost, requested(), at(30), null);
    await database.db.transaction((tx) => persistEffects(tx, lost, [{ kind: 'page', cause: 'automatic_rollback', reason: 'api-2 was rolled back' }], at(30)));
    const lostId = pageIdFor(lost);
    // Every row went to Redis, and Redis then lost the delayed reminder (a restart without AOF).
    await database.db.execute(sql`update outbox set relayed_at = now()`);
    await newPageJobs();

    at(35.5);
    expect(await sweepOverdue(ctx, MINUTE)).toBe(0);
    at(36.5);
    expect(await sweepOverdue(ctx, MINUTE)).toBe(1);
    expect(await newPageJobs()).toEqual([{ kind: 'reminder', pageId: lostId, reminder: 1, at: current.toISOString() }]);
    // The re-enqueued job sends reminder 1; the original, had it survived after all, finds it sent.
    at(36.6);
    expect(await decideReminder(ctx, lostId, 1)).toBe('sent');
    expect(await decideReminder(ctx, lostId, 1)).toBe('already_sent');
    expect((await newPageJobs()).map((job) => job.kind)).toEqual(['direct', 'reminder']);
    expect(await findPage(database.db, lostId)).toMatchObject({ remindersSent: 1, nextReminderAt: iso(40) });
    expect(await sweepOverdue(ctx, MINUTE)).toBe(0);
    // The acknowledged page of the first run is never swept.
    at(300);
    expect(await sweepOverdue(ctx, MINUTE)).toBe(1);
    expect((await newPageJobs()).filter((job) => job.kind === 'reminder').map((job) => job.pageId)).toEqual([lostId]);
  });
});
