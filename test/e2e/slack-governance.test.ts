import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { runEnded, runReaching, waitFor } from '../support/flightdeck.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

/** Governance through the real Bolt receiver: a quorum of two with self-approval refused, and two starts racing. */
describe('Slack: quorum and racing starts', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: true, plansDir: join(PROJECT_ROOT, 'test/fixtures/quorum') });
  }, 60_000);
  afterAll(async () => app?.stop());

  const state = async (key: string) => (await findRunByKey(app.runtime.ctx.db, key))?.state;

  it('two starts arriving together create exactly one run; the other is told which run is active', async () => {
    const [a, b] = await Promise.all([app.command('alice', 'start demo 1.1.0'), app.command('bob', 'start demo 1.1.1')]);
    const answers = [JSON.stringify(a.json), JSON.stringify(b.json)];
    expect(answers.filter((answer) => answer.includes('created'))).toHaveLength(1);
    expect(answers.filter((answer) => answer.includes('is already active on this service and environment'))).toHaveLength(1);
    const rows = (await app.runtime.ctx.db.execute(sql`select count(*)::int as n from runs`)) as unknown as { rows: { n: number }[] };
    expect(rows.rows[0]!.n).toBe(1);
    // alice is an approver here, so she may cancel whichever start won.
    expect(JSON.stringify((await app.command('alice', 'cancel demo-1 race over')).json)).toContain('demo-1 is cancelled');
  });

  it('a GO by the requester is refused; GOs from two other approvers are needed, and they suffice', async () => {
    expect(JSON.stringify((await app.command('alice', 'start demo 1.2.0')).json)).toContain('created');
    const key = 'demo-2';
    const run = await runReaching(app.runtime.ctx.db, key, ['awaiting_decision']);
    await waitFor('the status card saying two GOs are needed', async () =>
      app.slack.called('chat.update').find((call) => JSON.stringify(call.args.blocks).includes('GO from 2 needed')),
    );

    await app.click('alice', 'run.go', run.id);
    const refused = await waitFor('the refusal', async () =>
      app.slack
        .called('chat.postEphemeral')
        .find((call) => call.args.user === 'U0DEMOALICE' && app.slack.textOf(call).includes('does not let the requester approve')),
    );
    expect(app.slack.textOf(refused)).toContain('Another approver must say GO');

    await app.click('bob', 'run.go', run.id);
    await expect.poll(async () => (await findRunByKey(app.runtime.ctx.db, key))?.approvals.length, { timeout: 30_000 }).toBe(1);
    expect(await state(key)).toBe('awaiting_decision');
    await waitFor('the card counting 1 of 2', async () =>
      app.slack.called('chat.update').find((call) => JSON.stringify(call.args.blocks).includes('GO so far (1 of 2)')),
    );

    await app.click('carol', 'run.go', run.id);
    const done = await runEnded(app.runtime.ctx.db, key, 45_000);
    expect(done.state).toBe('succeeded');
    expect(done.approvals.map((vote) => vote.approver)).toEqual(['bob', 'carol']);
  }, 60_000);

  it('--at 09:00 is read in the requester’s Slack time zone (users.info), and the run waits for it', async () => {
    const reply = JSON.stringify((await app.command('bob', 'start demo 1.3.0 --at "tomorrow 09:00"')).json);
    expect(reply).toMatch(/Run demo-3 scheduled: demo 1\.3\.0 → production at \w{3} \d+ \w{3} \d{4} 09:00 Europe\/Berlin \(0[78]:00 UTC\)/);
    expect(app.slack.called('users.info').map((call) => call.args.user)).toContain('U0DEMOBOB');
    expect(await state('demo-3')).toBe('scheduled');
    await waitFor('the pre-deployment announcement', async () =>
      app.slack.called('chat.postMessage').find((call) => app.slack.textOf(call).includes('Upcoming Deployment: demo 1.3.0')),
    );
    expect(JSON.stringify((await app.command('bob', 'cancel demo-3 moved')).json)).toContain('demo-3 is cancelled');
  });
});
