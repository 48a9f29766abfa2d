import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/domain/cards.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { waitFor, runReaching } from '../support/flightdeck.ts';
import { startDriver, type Driver } from '../support/platforms.ts';

/**
 * The same scenarios on every chat platform, through each platform's real stack (Bolt over HTTP, Bolt over
 * Socket Mode, botbuilder) and a real worker. A feature built for one platform (or one way in) and not the
 * other fails here.
 */
describe.each(['slack', 'slack-socket', 'teams'] as const)('on %s', (platform) => {
  let chat: Driver;
  beforeAll(async () => {
    chat = await startDriver(platform);
  });
  afterAll(async () => chat?.stop());

  const until = (key: string, states: readonly string[], timeoutMs = 45_000) => runReaching(chat.runtime.ctx.db, key, states, timeoutMs);
  const shown = (fragment: string) => waitFor(`"${fragment}" in the channel`, async () => chat.channel().find((message) => message.includes(fragment)));

  it('start, a non-approver refused, GO by an approver, success', async () => {
    expect(await chat.command('alice', 'start demo 1.1.0')).toContain('Run demo-1 created');
    const run = await until('demo-1', ['awaiting_decision']);
    await shown('Go/No-Go needed: demo 1.1.0');

    expect(await chat.click('alice', ACTIONS.go, run.id)).toContain('Only approvers');
    expect((await findRunByKey(chat.runtime.ctx.db, 'demo-1'))!.state).toBe('awaiting_decision');

    await chat.click('bob', ACTIONS.go, run.id);
    const done = await until('demo-1', TERMINAL_STATES);
    expect({ state: done.state, failure: done.failure, rollback: done.rollback?.reason }).toEqual({ state: 'succeeded', failure: null, rollback: undefined });
    await shown('Deployment Complete: demo 1.1.0');
    await shown(`GO by ${chat.mention('bob')}`);
  }, 90_000);

  it('a bad version: automatic rollback, on-call mentioned', async () => {
    await chat.command('alice', 'start demo 1.2.0-broken');
    const run = await until('demo-2', ['awaiting_decision']);
    await chat.click('bob', ACTIONS.go, run.id);
    expect((await until('demo-2', TERMINAL_STATES)).state).toBe('rolled_back');
    const rollback = await shown('URGENT: Deployment Rolled Back - demo 1.2.0-broken');
    expect(rollback).toContain(chat.mention('carol'));
    await shown('On-call: demo production');
  }, 90_000);

  it.runIf(platform === 'teams')(
    'a Teams approver named in the plan by UPN may decide',
    async () => {
      await chat.command('alice', 'start demo 1.3.0');
      const run = await until('demo-3', ['awaiting_decision']);
      expect(await chat.click('dave', ACTIONS.go, run.id)).toBe('');
      const decided = await until('demo-3', ['deploying', 'monitoring', ...TERMINAL_STATES]);
      expect(decided.decision).toMatchObject({ decision: 'go', by: { name: 'dave', aliases: ['dave@contoso.example'] } });
      await until('demo-3', TERMINAL_STATES);
      // The roster is asked once for dave, not on every activity: his next command is told who he is from memory.
      expect(await chat.command('dave', 'status demo-3')).toContain('demo-3');
      expect(chat.rosterReads!().filter((member) => member === '29:dave')).toEqual(['29:dave']);
    },
    90_000,
  );

  it('a rollback of a finished deployment has the same grammar and refusals here, and a refusal writes no run', async () => {
    const runs = async () => ((await chat.runtime.ctx.db.execute(sql`select count(*)::int as n from runs`)) as unknown as { rows: { n: number }[] }).rows[0]!.n;
    const before = await runs();
    expect(await chat.command('alice', 'rollback demo')).toContain(
      'Only approvers, on-call and admins may roll back demo production (bob, operator, dave, carol).',
    );
    expect(await chat.command('carol', 'rollback demo production to 9.9.9')).toContain(
      'demo 9.9.9 has never succeeded on production: a rollback goes only to a version that did.',
    );
    expect(await chat.command('carol', 'rollback')).toContain(
      '/deploy rollback <run> [reason] (a run in flight) or /deploy rollback <service> [environment] [to <version>] (a finished deployment)',
    );
    expect(await runs()).toBe(before);
  });

  it('malformed commands are answered with the syntax and write nothing', async () => {
    const answer = await chat.command('mallory', 'start demo');
    expect(answer).toContain('/deploy start <service> <version> [environment]');
    expect(await findRunByKey(chat.runtime.ctx.db, 'demo-4')).toBeNull();
  });

  it('history lists the runs above newest first, and stats counts them (too few for performance levels)', async () => {
    const runs = platform === 'teams' ? ['demo-3', 'demo-2', 'demo-1'] : ['demo-2', 'demo-1'];
    const history = await chat.command('carol', 'history demo');
    expect(history).toContain(`History: demo (every environment) (last ${runs.length})`);
    const places = runs.map((key) => history.indexOf(`${key} · `));
    expect(places.every((place) => place >= 0)).toBe(true);
    expect(places).toEqual([...places].sort((a, b) => a - b));
    expect(history).toContain('demo-2 · 1.2.0-broken → production · 🔴 rolled back · alice');
    expect(history).toContain('demo-1 · 1.1.0 → production · ✅ succeeded · alice');
    const stats = await chat.command('carol', 'stats demo');
    expect(stats).toContain(`DORA: demo production`);
    expect(stats).toContain(`${runs.length} production deploys in the last 90 days`);
    expect(stats).toContain(`${platform === 'teams' ? '33.3' : '50'} % (1 of ${runs.length} deploys rolled back)`);
    expect(stats).toContain('Not enough data for performance levels: at least 5 deploys are needed.');
  });
});
