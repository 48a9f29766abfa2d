import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { waitFor, runReaching } from '../support/flightdeck.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

const FROZEN_UNTIL = 'Fri 1 Jan 2100 00:00 Europe/Berlin (Thu 31 Dec 23:00 UTC)';

/**
 * Freeze windows through the real Bolt receiver and a real worker: icebox's production is frozen from
 * 2000 to 2100 (test/fixtures/freeze/icebox.yaml), its staging is not; the quorum is one GO.
 */
describe('Slack: a start inside a freeze is refused, and allowed with --emergency', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: true, plansDir: join(PROJECT_ROOT, 'test/fixtures/freeze') });
  }, 60_000);
  afterAll(async () => app?.stop());

  const run = (key: string) => findRunByKey(app.runtime.ctx.db, key);
  const until = (key: string, states: readonly string[], timeoutMs = 30_000) => runReaching(app.runtime.ctx.db, key, states, timeoutMs);
  /** The private answer to a slash command, as the user reads it (Slack escapes &, < and >). */
  const answer = async (user: 'alice' | 'bob', text: string) => {
    const reply = await app.command(user, text);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    return JSON.stringify(reply.json).replace(/\\"/g, '"');
  };
  const statusEdit = (fragment: string) =>
    waitFor(`a status message with "${fragment}"`, async () =>
      [...app.slack.called('chat.postMessage'), ...app.slack.called('chat.update')].find((call) => app.slack.textOf(call).includes(fragment)),
    );

  it('the plan card lists the freeze, for production only', async () => {
    expect(await answer('alice', 'plan icebox production')).toContain('Millennium freeze — 2000-01-01 00:00 – 2100-01-01 00:00 Europe/Berlin');
    expect(await answer('alice', 'plan icebox staging')).toContain('Freeze windows: none in staging');
  });

  it('inside the freeze: refused privately with the window and when it ends, and nothing is written; a dry run says so', async () => {
    const before = await counts();
    const refused = await answer('alice', 'start icebox 2.0.0 production');
    expect(refused).toContain(`❄️ Frozen: Millennium freeze until ${FROZEN_UNTIL}. To deploy anyway, add --emergency "why"; it will need one more approver.`);
    expect(await answer('alice', 'start icebox 2.0.0 --dry-run')).toContain(
      `A real start now would be refused: ❄️ Frozen: Millennium freeze until ${FROZEN_UNTIL}`,
    );
    expect(await answer('alice', 'start icebox 2.0.0 --dry-run --emergency "checkout is down"')).toContain(
      'Emergency start inside the freeze "Millennium freeze": it would wait for GO from 2 approvers.',
    );
    expect(await counts()).toEqual(before);
  });

  it('outside any freeze (staging): a start goes ahead with the usual quorum, and --emergency is refused as no emergency', async () => {
    const before = await counts();
    expect(await answer('alice', 'start icebox 1.0.0 staging --emergency "just because"')).toContain(
      'No freeze is in force on icebox staging now, so this is not an emergency start: start it without --emergency.',
    );
    expect(await counts()).toEqual(before);

    expect(await answer('alice', 'start icebox 1.0.0 staging')).toContain('Run icebox-1 created');
    const waiting = await until('icebox-1', ['awaiting_decision']);
    expect(waiting.emergency).toBeNull();
    await app.click('bob', 'run.go', waiting.id);
    const done = await until('icebox-1', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect(done.approvals).toHaveLength(1);
  });

  it('with --emergency: created, marked EMERGENCY with the freeze, recorded in the audit trail, and it takes two GOs', async () => {
    expect(await answer('alice', 'start icebox 2.0.0 --emergency "checkout is down for everyone"')).toContain('Run icebox-2 created');
    const waiting = await until('icebox-2', ['awaiting_decision']);
    expect(waiting.emergency).toEqual({ justification: 'checkout is down for everyone', freeze: 'Millennium freeze' });

    const requested = await app.runtime.ctx.db.execute(sql`select payload from run_events where run_id = ${waiting.id} and type = 'requested'`);
    expect((requested as any).rows[0].payload.run.emergency).toEqual({ justification: 'checkout is down for everyone', freeze: 'Millennium freeze' });

    const card = await statusEdit('🚨 EMERGENCY (freeze: Millennium freeze): checkout is down for everyone');
    expect(app.slack.textOf(card)).toContain('GO from 2 needed');

    await app.click('bob', 'run.go', waiting.id);
    const half = await waitFor('bob’s GO to count', async () => {
      const found = await run('icebox-2');
      return found && found.approvals.length === 1 && found;
    });
    expect(half.state).toBe('awaiting_decision');
    await statusEdit('GO so far (1 of 2)');

    await app.click('carol', 'run.go', waiting.id);
    const done = await until('icebox-2', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect(done.approvals.map((vote) => vote.approver)).toEqual(['bob', 'carol']);
    const report = await waitFor('the deployment report', async () =>
      app.slack.called('chat.postMessage').find((call) => app.slack.textOf(call).includes('Deployment Report: icebox 2.0.0')),
    );
    expect(app.slack.textOf(report)).toContain(
      '*Emergency*: 🚨 started inside the freeze "Millennium freeze" with --emergency: “checkout is down for everyone”',
    );
  });

  async function counts() {
    const result = await app.runtime.ctx.db.execute(
      sql`select (select count(*) from runs)::int as runs, (select count(*) from run_events)::int as events, (select count(*) from outbox)::int as outbox`,
    );
    return (result as any).rows[0];
  }
});
