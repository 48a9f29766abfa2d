import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onAction } from '../../src/app/on-action.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import type { Reply } from '../../src/app/shared/replies.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import type { Run } from '../../src/domain/run.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));
/** One service with sixteen environments (e1…e16), none asking for a Go/No-Go. */
const FAILOVER_PLAN = fileURLToPath(new URL('../fixtures/failover/failover.yaml', import.meta.url));
const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
const say = (reply: Reply) => (reply.kind === 'text' ? reply.text : `card: ${JSON.stringify(reply.card)}`);

/**
 * Races on real Postgres (PGlite has one connection, so nothing races there). Each test deploys a
 * service of its own: copies of the demo plan under other names, so one database serves the file.
 */
describe('racing clicks and starts on Postgres', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;

  beforeAll(async () => {
    pg = await freshPostgres();
    const plan = await loadPlanFile(DEMO_PLAN);
    const plans = ['demo', 'demo-b', 'demo-c', 'demo-d'].map((service) => ({ ...plan, service }));
    // Two environments of one service: their starts race for the service's next run number.
    plans.push({ ...plan, service: 'demo-e', environments: { ...plan.environments, staging: plan.environments.production! } });
    plans.push(await loadPlanFile(FAILOVER_PLAN));
    ctx = testContext(pg.database.db, plans);
  });
  afterAll(async () => pg?.drop());

  const count = async (query: ReturnType<typeof sql>) => ((await pg.database.db.execute(query)) as unknown as { rows: { n: number }[] }).rows[0]!.n;

  /** Starts `service` and runs its one pre-check, as the worker would: the run then waits for Go/No-Go. */
  async function awaitingDecision(service: string): Promise<Run> {
    expect(say(await onCommand(ctx, { actor: alice, text: `start ${service} 1.1.0`, requestKey: null }))).toContain(`Run ${service}-1 created`);
    const run = (await findRunByKey(ctx.db, `${service}-1`))!;
    expect(await recordEvent(ctx, run.id, { type: 'step.started', stepId: 'pre_checks.0' })).toMatchObject({ ok: true });
    expect(await recordEvent(ctx, run.id, { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'ok' })).toMatchObject({
      ok: true,
      run: { state: 'awaiting_decision' },
    });
    return run;
  }

  it('two GO clicks at once record one decision; the other click hears it was already decided', async () => {
    const run = await awaitingDecision('demo');
    const outcomes = await Promise.all([1, 2].map(() => onAction(ctx, { actor: bob, action: ACTIONS.go, runId: run.id, rationale: null })));
    const texts = outcomes.map((outcome) => say(outcome.reply)).sort();
    expect(texts[0]).toMatch(/^Already decided: GO by bob/);
    expect(texts[1]).toBe('Recorded: GO on demo-1.');
    expect(outcomes.map((outcome) => outcome.accepted).sort()).toEqual([false, true]);
    expect(await count(sql`select count(*)::int as n from decisions where run_id = ${run.id}`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from run_events where run_id = ${run.id} and type = 'decision'`)).toBe(1);
  });

  it('GO and NO-GO at once: one wins, and the loser is told which decision stands', async () => {
    const run = await awaitingDecision('demo-b');
    const [go, noGo] = await Promise.all([
      onAction(ctx, { actor: bob, action: ACTIONS.go, runId: run.id, rationale: null }),
      onAction(ctx, { actor: bob, action: ACTIONS.noGo, runId: run.id, rationale: 'error budget spent' }),
    ]);
    expect([go!.accepted, noGo!.accepted].sort()).toEqual([false, true]);
    const [winner, loser] = go!.accepted ? [go!, noGo!] : [noGo!, go!];
    const label = go!.accepted ? 'GO' : 'NO-GO';
    expect(say(winner.reply)).toBe(`Recorded: ${label} on demo-b-1.`);
    expect(say(loser.reply)).toMatch(new RegExp(`^Already decided: ${label} by bob`));
    const stored = (await findRunByKey(ctx.db, 'demo-b-1'))!;
    expect(stored.state).toBe(go!.accepted ? 'deploying' : 'no_go');
    expect(await count(sql`select count(*)::int as n from decisions where run_id = ${run.id} and decision = ${go!.accepted ? 'go' : 'no_go'}`)).toBe(1);
    expect(await count(sql`select count(*)::int as n from decisions where run_id = ${run.id}`)).toBe(1);
  });

  it('five starts of one service at once create exactly one run; the others are told which run is active', async () => {
    const replies = await Promise.all([1, 2, 3, 4, 5].map((n) => onCommand(ctx, { actor: alice, text: 'start demo-c 1.1.0', requestKey: `race-${n}` })));
    const texts = replies.map(say);
    expect(texts.filter((text) => text.startsWith('Run demo-c-1 created'))).toHaveLength(1);
    expect(texts.filter((text) => text.startsWith('demo-c-1 is already active'))).toHaveLength(4);
    expect(await count(sql`select count(*)::int as n from runs where service = 'demo-c'`)).toBe(1);
    expect(await count(sql`select last as n from run_counters where service = 'demo-c'`)).toBe(1);
  });

  it('starts of one service in two environments at once take one number each', async () => {
    const replies = await Promise.all(
      ['production', 'staging'].map((environment) => onCommand(ctx, { actor: alice, text: `start demo-e 1.1.0 ${environment}`, requestKey: null })),
    );
    expect(replies.map(say).sort()).toEqual([expect.stringMatching(/^Run demo-e-1 created/), expect.stringMatching(/^Run demo-e-2 created/)]);
    expect(await count(sql`select count(*)::int as n from runs where service = 'demo-e'`)).toBe(2);
    expect(await count(sql`select last as n from run_counters where service = 'demo-e'`)).toBe(2);
  });

  it('sixteen starts of one service at once, one per environment, are all created, numbered 1 to 16', async () => {
    // A release train: every start races for the service's next number, and each lost race is a run another start created.
    const environments = Array.from({ length: 16 }, (_, index) => `e${index + 1}`);
    const replies = await Promise.all(
      environments.map((environment) => onCommand(ctx, { actor: alice, text: `start failover 1.0.0 ${environment}`, requestKey: null })),
    );
    const keys = replies.map((reply) => /^Run (failover-\d+) created/.exec(say(reply))?.[1] ?? say(reply));
    expect(keys.sort()).toEqual(environments.map((_, index) => `failover-${index + 1}`).sort());
    expect(await count(sql`select count(*)::int as n from runs where service = 'failover'`)).toBe(16);
    expect(await count(sql`select last as n from run_counters where service = 'failover'`)).toBe(16);
  });

  it('a request retried while the first attempt is still running finds the same run', async () => {
    const replies = await Promise.all([1, 2, 3].map(() => onCommand(ctx, { actor: alice, text: 'start demo-d 1.1.0', requestKey: 'slack:retried' })));
    expect(replies.map(say)).toEqual(Array(3).fill("Run demo-d-1 created: demo-d 1.1.0 → production. I'll post its progress in the channel."));
    expect(await count(sql`select count(*)::int as n from runs where service = 'demo-d'`)).toBe(1);
  });
});
