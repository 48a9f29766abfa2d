import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import type { Reply } from '../../src/app/shared/replies.ts';
import { plain, type Card } from '../../src/domain/cards.ts';
import { specFor } from '../../src/domain/spec.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { QUEUES, type QueueName } from '../../src/queue/jobs.ts';
import { OutboxRelay } from '../../src/queue/relay.ts';
import { freshPostgres, freshQueuePrefix } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
const carol = { platform: 'slack' as const, id: 'U0DEMOCAROL', name: 'carol' };
const STATES = ['wait', 'delayed', 'active', 'completed', 'failed', 'prioritized', 'waiting-children'] as const;

function cardOf(reply: Reply): Card {
  if (reply.kind !== 'card') throw new Error(`expected a card, got: ${reply.text}`);
  return reply.card;
}

/**
 * `/deploy start … --dry-run` and `/deploy plan …` through the use case, on real Postgres and Redis:
 * a dry run answers with the steps and leaves every table, the outbox relay and the queues as they were.
 */
describe('dry run and plan commands', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let redis: Redis;
  let relay: OutboxRelay;
  let queues: Record<QueueName, Queue>;
  let ctx: AppContext;
  let kicks = 0;
  const prefix = freshQueuePrefix();

  beforeAll(async () => {
    pg = await freshPostgres();
    redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    relay = new OutboxRelay(pg.database.db, redis, pino({ level: 'silent' }), 1_000, prefix);
    queues = Object.fromEntries(Object.values(QUEUES).map((name) => [name, new Queue(name, { connection: redis, prefix })])) as Record<QueueName, Queue>;
    const demo = await loadPlanFile(DEMO_PLAN);
    // The same plan where only alice (and approvers) may start: carol's dry run shows what would stop her.
    const guarded = { ...demo, service: 'guarded', deployers: ['alice'] };
    // And one that deploys to staging first (requiresSuccessIn): a dry run names every rule a start breaks.
    const production = demo.environments.production!;
    const ordered = { ...guarded, service: 'ordered', environments: { staging: production, production: { ...production, requiresSuccessIn: 'staging' } } };
    ctx = { ...testContext(pg.database.db, [demo, guarded, ordered]), kickRelay: () => void kicks++ };
  });
  afterAll(async () => {
    await relay?.stop();
    await Promise.all(Object.values(queues ?? {}).map((queue) => queue.close()));
    await redis?.quit();
    await pg?.drop();
  });

  /** Rows in every table of the schema: a dry run must leave them all alone, tables added later included. */
  async function rowCounts(): Promise<Record<string, number>> {
    const tables = (
      (await pg.database.db.execute(
        sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
      )) as unknown as { rows: { table_name: string }[] }
    ).rows;
    const counts: Record<string, number> = {};
    for (const { table_name: table } of tables) {
      counts[table] = ((await pg.database.db.execute(sql.raw(`select count(*)::int as n from "${table}"`))) as unknown as { rows: { n: number }[] }).rows[0]!.n;
    }
    return counts;
  }
  const jobCount = async () => (await Promise.all(Object.values(queues).map((queue) => queue.getJobCountByTypes(...STATES)))).reduce((a, b) => a + b, 0);

  it('a dry run lists the frozen spec’s steps in order and writes nothing: no run, no outbox row, no job', async () => {
    const before = await rowCounts();
    expect(before).toMatchObject({ runs: 0, outbox: 0 });

    const card = cardOf(await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0 --dry-run', requestKey: 'slack:dry-1' }));

    expect(card.title).toBe('🧪 Dry run: demo 1.1.0 → production');
    const spec = specFor(ctx.plans.get('demo')!, 'production')!;
    const listed = card.body
      .map(plain)
      .filter((line) => /^\d+\. /.test(line))
      .map((line) => line.replace(/^\d+\. /, '').split(' — ')[0]);
    expect(listed).toEqual([...spec.steps.pre_checks, ...spec.steps.deploy, ...spec.steps.rollback].map((step) => step.name));
    expect(card.body.map(plain)).toContain('1. Deploy to the idle slot — runs node demo/service/ctl.mjs deploy (timeout 1m)');

    expect(await rowCounts()).toEqual(before);
    expect(kicks).toBe(0);
    expect(await relay.relayOnce()).toBe(0);
    expect(await jobCount()).toBe(0);
  });

  it('the same command without --dry-run does write a run, its outbox rows and jobs (so the checks above can fail)', async () => {
    const reply = await onCommand(ctx, { actor: alice, text: 'start demo 1.1.0', requestKey: 'slack:real-1' });
    expect(reply).toEqual({ kind: 'text', text: expect.stringMatching(/^Run demo-1 created/) });
    expect(await rowCounts()).toMatchObject({ runs: 1, outbox: 2 });
    expect(kicks).toBe(1);
    expect(await relay.relayOnce()).toBe(2);
    expect(await jobCount()).toBe(2);
  });

  it('a dry run says what would stop a real start (an active run, a person who may not start) and still writes nothing', async () => {
    const before = await rowCounts();
    const busy = cardOf(await onCommand(ctx, { actor: alice, text: 'start demo 1.2.0 production --dry-run', requestKey: null }));
    expect(busy.body.map(plain).at(-1)).toMatch(/^⚠️ A real start now would be refused: demo-1 is already active on this service and environment/);
    const refused = cardOf(await onCommand(ctx, { actor: carol, text: 'start guarded 1.2.0 --dry-run', requestKey: null }));
    expect(refused.tone).toBe('warning');
    expect(refused.body.map(plain).at(-1)).toBe('⚠️ A real start would be refused: Only deployers of this service may start a run (alice).');
    expect(await rowCounts()).toEqual(before);
    expect(await relay.relayOnce()).toBe(0);
  });

  it('a dry run lists every reason a real start would be refused, not only the first; the gates come first, the order rule among them', async () => {
    const card = cardOf(await onCommand(ctx, { actor: carol, text: 'start ordered 1.2 production --dry-run', requestKey: null }));
    const text = card.body.map(plain);
    expect(text[1]).toMatch(/^0 · Before a run is created: 1\.2 matches .+; started by @alice; 1\.2 must have succeeded in staging first; /);
    expect(text.filter((line) => line.startsWith('⚠️'))).toEqual([
      `⚠️ A real start would be refused: "1.2" does not match ordered's version pattern ${ctx.plans.get('ordered')!.versionPattern}.`,
      '⚠️ A real start would be refused: Only deployers of this service may start a run (alice).',
      '⚠️ A real start would be refused: ordered 1.2 has not succeeded in staging yet, and this plan deploys there first: /deploy start ordered 1.2 staging',
    ]);
    // A real start answers with the first of them.
    expect(await onCommand(ctx, { actor: carol, text: 'start ordered 1.2 production', requestKey: null })).toMatchObject({
      kind: 'text',
      text: expect.stringContaining("does not match ordered's version pattern"),
    });
  });

  it('a dry run still refuses what it cannot show: an unknown service or environment, a time without a zone', async () => {
    expect(await onCommand(ctx, { actor: alice, text: 'start nosuch 1.0.0 --dry-run', requestKey: null })).toEqual({
      kind: 'text',
      text: 'There is no deployment plan for "nosuch". Services with plans: demo, guarded, ordered.',
    });
    expect(await onCommand(ctx, { actor: alice, text: 'start demo 1.0.0 staging --dry-run', requestKey: null })).toEqual({
      kind: 'text',
      text: 'demo has no environment "staging" (it has production).',
    });
    const scheduled = await onCommand(ctx, { actor: alice, text: 'start demo 1.0.0 --at 14:00 --dry-run', requestKey: null });
    expect(scheduled).toEqual({ kind: 'text', text: 'In which time zone is 14:00? Add one, e.g. --at "14:00 Europe/Berlin".' });
    const inBerlin = await onCommand(ctx, { actor: alice, text: 'start demo 1.0.0 --at "tomorrow 14:00 Europe/Berlin" --dry-run', requestKey: null });
    expect(cardOf(inBerlin).body.map(plain)).toContainEqual(
      expect.stringMatching(/^⚠️ It would be scheduled for .* 14:00 Europe\/Berlin \(1[23]:00 UTC\), with the pre-deployment announcement posted now\.$/),
    );
  });

  it('/deploy plan shows the plan as a card: stages, approvers, on-call', async () => {
    const card = cardOf(await onCommand(ctx, { actor: bob, text: 'plan demo', requestKey: null }));
    expect(card.title).toBe('📋 Deployment plan: demo → production');
    const text = card.body.map(plain);
    expect(text.filter((line) => /^\d · /.test(line)).map((line) => line.split(':')[0])).toEqual([
      '0 · Before a run is created',
      '1 · Pre-checks',
      '2 · Go/No-Go',
      '3 · Deploy (blue-green)',
      '4 · Monitoring',
      '5 · Rolls back when',
      '6 · Rollback',
    ]);
    expect(plain(card.fields.find((field) => field.label === 'On-call')!.value)).toBe('@carol');
    expect(await onCommand(ctx, { actor: bob, text: 'plan nosuch', requestKey: null })).toMatchObject({
      kind: 'text',
      text: expect.stringContaining('There is no deployment plan for "nosuch"'),
    });
  });
});
