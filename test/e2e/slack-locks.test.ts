import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { waitFor, runReaching } from '../support/flightdeck.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

/** test/fixtures/locks/demo.yaml: the demo plan with bob as admin and lockAfterRollback on production. */
const PLANS_DIR = join(PROJECT_ROOT, 'test/fixtures/locks');

/** Locks through the real Bolt receiver and a real worker, as a Slack workspace uses them. */
describe('Slack: /deploy lock, start while locked, --queue, unlock, lock after a rollback', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: true, plansDir: PLANS_DIR });
  });
  afterAll(async () => app?.stop());

  const said = async (user: Parameters<typeof app.command>[0], text: string) => {
    const reply = await app.command(user, text);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    return JSON.stringify(reply.json);
  };
  const until = (key: string, states: readonly string[], timeoutMs = 30_000) => runReaching(app.runtime.ctx.db, key, states, timeoutMs);
  const posted = (fragment: string) => app.slack.called('chat.postMessage').filter((call) => app.slack.textOf(call).includes(fragment));
  const holders = async () =>
    ((await app.runtime.ctx.db.execute(sql`select by->>'name' as name from locks`)) as unknown as { rows: { name: string }[] }).rows.map((row) => row.name);

  it('lock → a start is refused naming the holder → --queue → a stranger may not unlock → the holder unlocks and the queued run starts', async () => {
    expect(await said('alice', 'lock demo production "db migration" for 2h')).toContain('alice locked demo production');
    const notice = await waitFor('the lock notice in the channel', async () => posted('alice locked demo production')[0]);
    expect(notice.args.channel).toBe('C0DEPLOYS');
    expect(app.slack.textOf(notice)).toContain('db migration');

    const refused = await said('mallory', 'start demo 1.1.0');
    expect(refused).toContain('demo production is locked by alice since');
    expect(refused).toContain('db migration');
    expect(refused).toContain('/deploy start demo 1.1.0 --queue');
    expect(await findRunByKey(app.runtime.ctx.db, 'demo-1')).toBeNull();

    expect(await said('mallory', 'start demo 1.1.0 --queue')).toContain('Queued: demo 1.1.0 → production starts when the lock frees');
    expect(await said('carol', 'unlock demo production I need it')).toContain('Only alice (who took the lock) or an admin (bob) may unlock demo production.');
    expect(await holders()).toEqual(['alice']);

    const unlocked = await said('alice', 'unlock demo production migration done');
    expect(unlocked).toContain('Unlocked demo production');
    expect(unlocked).toContain('demo-1 created');
    const run = await until('demo-1', ['awaiting_decision']);
    expect(run).toMatchObject({ version: '1.1.0', requestedBy: { id: 'U0MALLORY' } });
    await waitFor('the unlock notice', async () => posted('alice unlocked demo production')[0]);
    expect(await said('mallory', 'cancel demo-1')).toContain('demo-1 is cancelled');
  }, 60_000);

  it('an expired lock lets a start through', async () => {
    expect(await said('alice', 'lock demo production quick look for 1s')).toContain('alice locked demo production');
    // Refused while it holds (if this machine is slow, the first try may already pass); through once it has expired.
    await waitFor('a start once the lock has expired', async () => (await said('alice', 'start demo 1.2.0')).includes('Run demo-2 created'), 15_000);
    expect(await said('alice', 'cancel demo-2')).toContain('demo-2 is cancelled');
  });

  it('two lock commands arriving together make exactly one holder; the other is told who holds it', async () => {
    const replies = await Promise.all([said('alice', 'lock demo production release prep'), said('carol', 'lock demo production incident')]);
    const winners = replies.filter((reply) => reply.includes('locked demo production'));
    expect(winners).toHaveLength(1);
    const [holder] = await holders();
    expect(['alice', 'carol']).toContain(holder);
    expect(winners[0]).toContain(`${holder} locked demo production`);
    expect(replies.find((reply) => !reply.includes('locked demo production'))).toContain(`demo production is locked by ${holder}`);
    expect(await said('bob', 'unlock demo production admin tidying up')).toContain('Unlocked demo production');
  });

  it('a broken version rolls back and locks production; the next start is refused until on-call unlocks it with a reason', async () => {
    expect(await said('alice', 'start demo 1.3.0-broken')).toContain('Run demo-3 created');
    const run = await until('demo-3', ['awaiting_decision']);
    await app.click('bob', 'run.go', run.id);
    const done = await until('demo-3', TERMINAL_STATES, 45_000);
    expect(done.state).toBe('rolled_back');
    await waitFor('the lock line in the run’s thread', async () => posted('demo production is locked until someone unlocks it with a reason')[0]);

    const refused = await said('alice', 'start demo 1.3.1');
    expect(refused).toContain('demo production is locked by Flightdeck after demo-3');
    expect(refused).toContain('demo-3 (1.3.0-broken) was rolled back');
    expect(await said('alice', 'unlock demo production looks fine')).toContain('only on-call, approvers and admins may unlock it');
    expect(await said('carol', 'unlock demo production')).toContain('say why it is safe again');
    expect(await findRunByKey(app.runtime.ctx.db, 'demo-4')).toBeNull();

    expect(await said('carol', 'unlock demo production fixed in 1.3.1')).toContain('Unlocked demo production (locked after demo-3');
    expect(await said('alice', 'start demo 1.3.1')).toContain('Run demo-4 created');
    const events = (await app.runtime.ctx.db.execute(
      sql`select action, by->>'name' as by from lock_events where action in ('locked', 'unlock_refused', 'unlocked') order by at`,
    )) as unknown as { rows: unknown[] };
    expect(events.rows.slice(-4)).toEqual([
      { action: 'locked', by: null },
      { action: 'unlock_refused', by: 'alice' },
      { action: 'unlock_refused', by: 'carol' },
      { action: 'unlocked', by: 'carol' },
    ]);
    await until('demo-4', ['awaiting_decision']);
    await said('alice', 'cancel demo-4');
  }, 90_000);
});
