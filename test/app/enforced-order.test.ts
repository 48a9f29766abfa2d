import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/shared/context.ts';
import { onCommand } from '../../src/app/on-command.ts';
import { parsePlan, type Plan } from '../../src/domain/plan.ts';
import { freshPostgres } from '../support/databases.ts';
import { testContext } from '../support/context.ts';

const alice = { platform: 'slack' as const, id: 'UALICE', name: 'alice' };
const step = (name: string) => ({ name, run: ['true'] });

function orderedDocument() {
  const environment = (channel: string) => ({
    channel: { slack: channel },
    requireDecision: false,
    strategy: {
      kind: 'blue-green',
      deployIdle: step('deploy'),
      checkIdle: { name: 'check', http: { url: 'http://127.0.0.1:9/' } },
      switch: step('switch'),
      switchBack: step('back'),
    },
  });
  return {
    service: 'api',
    people: { alice: { slack: 'UALICE' } },
    approvers: ['alice'],
    onCall: ['alice'],
    environments: { staging: environment('CSTAGING'), production: { ...environment('CPROD'), requiresSuccessIn: 'staging' } },
  };
}

function ordered(): Plan {
  const result = parsePlan(orderedDocument());
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.plan;
}

/** Enforced order on real Postgres: production starts only for a version that succeeded in staging. */
describe('enforced order: staging first', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  beforeAll(async () => {
    pg = await freshPostgres();
    ctx = testContext(pg.database.db, [ordered()]);
  });
  afterAll(async () => pg?.drop());

  const start = (text: string) => onCommand(ctx, { actor: alice, text, requestKey: null });
  const runCount = async () => ((await ctx.db.execute(sql`select count(*)::int as n from runs`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;

  it('refuses production for a version staging has not seen succeed, and writes nothing', async () => {
    expect(await start('start api 1.4.2 production')).toEqual({
      kind: 'text',
      text: 'api 1.4.2 has not succeeded in staging yet, and this plan deploys there first: /deploy start api 1.4.2 staging',
    });
    expect(await runCount()).toBe(0);
  });

  it('a run in staging that has not succeeded (yet) does not count; a succeeded one does', async () => {
    expect(await start('start api 1.4.2 staging')).toMatchObject({ text: expect.stringContaining('Run api-1 created') });
    expect(await start('start api 1.4.2 production')).toMatchObject({ text: expect.stringContaining('has not succeeded in staging yet') });
    await ctx.db.execute(sql`update runs set state = 'succeeded' where key = 'api-1'`);
    expect(await start('start api 1.4.2 production')).toMatchObject({ text: expect.stringContaining('Run api-2 created') });
    // Another version still has to go through staging.
    expect(await start('start api 1.4.3 production')).toMatchObject({ text: expect.stringContaining('1.4.3 has not succeeded in staging yet') });
  });

  it('a plan naming an environment it does not have is refused with the path', () => {
    const document = orderedDocument();
    const result = parsePlan({ ...document, environments: { production: { ...document.environments.production, requiresSuccessIn: 'qa' } } });
    expect(result.ok ? [] : result.problems).toEqual([
      { path: 'environments.production.requiresSuccessIn', message: "must name another of this plan's environments (there is none)" },
    ]);
  });
});
