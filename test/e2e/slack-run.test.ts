import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { findRunByKey } from '../../src/store/runs.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { waitFor, runReaching } from '../support/flightdeck.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

/** Whole runs through the real Bolt receiver and a real worker, as a Slack workspace drives them. */
describe('Slack: /deploy start → Go/No-Go → blue-green → success or rollback', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: true });
  });
  afterAll(async () => app?.stop());

  const runState = (key: string) => findRunByKey(app.runtime.ctx.db, key);
  const until = (key: string, states: readonly string[], timeoutMs = 30_000) => runReaching(app.runtime.ctx.db, key, states, timeoutMs);
  const posted = (fragment: string) => app.slack.called('chat.postMessage').filter((call) => app.slack.textOf(call).includes(fragment));

  it('a good version: ack, one status message edited in place, approver-only GO, success message', async () => {
    const ack = await app.command('alice', 'start demo 1.1.0');
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(ack.json)).toContain('Run demo-1 created');

    const run = await until('demo-1', ['awaiting_decision']);
    const status = await waitFor('the status message', async () => posted('Deployment started: demo 1.1.0 → production')[0]);
    expect(status.args.channel).toBe('C0DEPLOYS');
    await waitFor('the GO buttons', async () => app.slack.called('chat.update').find((call) => JSON.stringify(call.args.blocks).includes('run.go')));

    // A non-approver is refused privately, and nothing changes.
    const refused = await app.click('alice', 'run.go', run.id);
    expect(refused.status).toBe(200);
    const ephemeral = await waitFor('the refusal', async () => app.slack.called('chat.postEphemeral').find((call) => call.args.user === 'U0DEMOALICE'));
    expect(app.slack.textOf(ephemeral)).toContain('Only approvers');
    expect((await runState('demo-1'))!.state).toBe('awaiting_decision');

    expect((await app.click('bob', 'run.go', run.id)).status).toBe(200);
    const done = await until('demo-1', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect(done.decision).toMatchObject({ decision: 'go', by: { id: 'U0DEMOBOB' } });

    await waitFor('the success message', async () => posted('Deployment Complete: demo 1.1.0')[0]);
    const finalEdit = await waitFor('the final edit', async () =>
      app.slack.called('chat.update').find((call) => JSON.stringify(call.args.blocks).includes('Deployment complete: demo 1.1.0')),
    );
    expect(finalEdit.args.channel).toBe('C0DEPLOYS');
    expect(JSON.stringify(finalEdit.args.blocks)).toMatch(/GO by <@U0DEMOBOB> at \d\d:\d\d/);
    expect(JSON.stringify(finalEdit.args.blocks)).not.toContain('run.go');
    // Exactly one status message for the run: every other post is a thread reply or an announcement.
    expect(posted('Deployment started: demo 1.1.0')).toHaveLength(1);
  });

  it('a broken version: health fails after the switch, automatic rollback, on-call mentioned', async () => {
    await app.command('alice', 'start demo 1.2.0-broken');
    const run = await until('demo-2', ['awaiting_decision']);
    await app.click('bob', 'run.go', run.id);
    const done = await until('demo-2', TERMINAL_STATES, 45_000);
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.trigger).toBe('health failing for 3 checks');

    const rollback = await waitFor('the rollback message', async () => posted('URGENT: Deployment Rolled Back - demo 1.2.0-broken')[0]);
    expect(app.slack.textOf(rollback)).toContain('<@U0DEMOCAROL>');
    expect(app.slack.textOf(rollback)).toContain('→ 500');
    await waitFor('the page', async () => posted('On-call: demo production').find((call) => app.slack.textOf(call).includes('<@U0DEMOCAROL>')));
    // Production is back on the good version.
    const live = await fetch(`http://127.0.0.1:${app.demo.DEMO_PORT}/health`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ version: '1.1.0' });
  }, 60_000);

  it('a retried slash command (same trigger_id) does not create a second run', async () => {
    const first = await app.command('alice', 'start demo 1.3.0', { triggerId: '13.retry.abc' });
    const retry = await app.command('alice', 'start demo 1.3.0', {
      triggerId: '13.retry.abc',
      headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
    });
    expect(JSON.stringify(first.json)).toContain('Run demo-3 created');
    expect(JSON.stringify(retry.json)).toContain('Run demo-3 created');
    const rows = await app.runtime.ctx.db.execute(sql`select count(*)::int as n from runs where version = '1.3.0'`);
    expect((rows as any).rows[0].n).toBe(1);
  });

  it('two GO clicks racing produce exactly one decision; the loser is told who decided', async () => {
    const run = await until('demo-3', ['awaiting_decision']);
    const [a, b] = await Promise.all([app.click('bob', 'run.go', run.id), app.click('bob', 'run.no_go', run.id)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const rows = await app.runtime.ctx.db.execute(sql`select decision, by_name from decisions where run_id = ${run.id}`);
    expect((rows as any).rows).toHaveLength(1);
    const loser = await waitFor('the loser’s notice', async () =>
      app.slack.called('chat.postEphemeral').find((call) => app.slack.textOf(call).includes('Already decided')),
    );
    expect(app.slack.textOf(loser)).toContain('by bob');
    await until('demo-3', TERMINAL_STATES, 45_000);
  }, 60_000);

  it('malformed commands get the right syntax privately and write nothing', async () => {
    const before = await counts(app);
    for (const text of ['start', 'start demo', 'start Demo! 1.0', 'start nosuch 1.0.0', 'start demo not-a-version', 'rollback', 'launch demo 1.0.0']) {
      const reply = await app.command('alice', text);
      expect(reply.status).toBe(200);
      expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    }
    const usage = await app.command('alice', 'start demo');
    expect(JSON.stringify(usage.json)).toContain('/deploy start &lt;service&gt; &lt;version&gt; [environment]');
    expect(await counts(app)).toEqual(before);
  });

  it('status, help, cancel and manual rollback by command', async () => {
    const help = await app.command('alice', 'help');
    expect(JSON.stringify(help.json)).toContain('/deploy rollback &lt;run&gt; [reason]');
    await app.command('alice', 'start demo 1.4.0');
    await until('demo-4', ['awaiting_decision']);
    const status = await app.command('alice', 'status demo-4');
    expect(JSON.stringify(status.json)).toContain('Go/No-Go needed: demo 1.4.0');
    const refused = await app.command('mallory', 'cancel demo-4');
    expect(JSON.stringify(refused.json)).toContain('Only the person who started the run, an approver or an admin');
    const cancelled = await app.command('alice', 'cancel demo-4 wrong build');
    expect(JSON.stringify(cancelled.json)).toContain('demo-4 is cancelled');
    expect((await runState('demo-4'))!.state).toBe('cancelled');

    await app.command('alice', 'start demo 1.5.0');
    const run = await until('demo-5', ['awaiting_decision']);
    await app.click('bob', 'run.go', run.id);
    await until('demo-5', ['monitoring']);
    const notAllowed = await app.command('alice', 'rollback demo-5');
    expect(JSON.stringify(notAllowed.json)).toContain('Only approvers, on-call and admins');
    const rolled = await app.command('carol', 'rollback demo-5 "latency looks off"');
    expect(JSON.stringify(rolled.json)).toContain('Rolling back demo-5');
    const done = await until('demo-5', TERMINAL_STATES, 30_000);
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.reason).toContain('latency looks off');
  }, 60_000);

  it('a manual rollback through the Roll back button, which asks for confirmation first', async () => {
    await app.command('alice', 'start demo 1.6.0');
    const run = await until('demo-6', ['awaiting_decision']);
    await app.click('bob', 'run.go', run.id);
    await until('demo-6', ['monitoring']);
    const card = await waitFor('the Roll back button', async () =>
      app.slack
        .called('chat.update')
        .find((call) => JSON.stringify(call.args.blocks).includes('run.rollback') && JSON.stringify(call.args.blocks).includes('demo 1.6.0')),
    );
    const button = (card.args.blocks as any[]).flatMap((block) => block.elements ?? []).find((element: any) => element.action_id === 'run.rollback');
    expect(button.confirm).toMatchObject({ title: { text: 'Roll back this run?' }, confirm: { text: 'Roll back' } });

    const before = app.slack.called('chat.postEphemeral').length;
    await app.click('carol', 'run.rollback', run.id);
    const answer = await waitFor('the answer', async () => app.slack.called('chat.postEphemeral')[before]);
    expect(app.slack.textOf(answer)).toContain('Rolling back demo-6');
    const done = await until('demo-6', TERMINAL_STATES, 30_000);
    expect(done.state).toBe('rolled_back');
    expect(done.rollback).toMatchObject({ by: { id: 'U0DEMOCAROL' }, reason: 'manual rollback by carol' });
  }, 60_000);
});

async function counts(app: Awaited<ReturnType<typeof startSlackFlightdeck>>) {
  const result = await app.runtime.ctx.db.execute(
    sql`select (select count(*) from runs)::int as runs, (select count(*) from run_events)::int as events, (select count(*) from outbox)::int as outbox, (select count(*) from decisions)::int as decisions`,
  );
  return (result as any).rows[0];
}
