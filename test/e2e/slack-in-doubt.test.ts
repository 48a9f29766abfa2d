import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import { testContext } from '../support/context.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { decisions } from '../../src/store/schema.ts';
import { waitFor } from '../support/flightdeck.ts';
import { PgProxy } from '../support/pg-proxy.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

/**
 * A GO submitted through the real Bolt stack while the database connection is lost right after the
 * decision's commit. Flightdeck looks for the decision before it answers (store/append-event.ts
 * wasEventSaved): found, the form closes and the approver is told it was recorded. When the database
 * cannot be asked either, the decision may be saved, so the form must not say "Not recorded … Nothing was
 * changed"; it says it is not confirmed and where to look. Two services (copies of the demo plan), so each
 * case has a run waiting for its GO. (A start's doubt: test/app/start-in-doubt.test.ts.)
 */
describe('a decision whose connection is lost under its write', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  let proxy: PgProxy;
  let plansDir: string;
  beforeAll(async () => {
    const database = new URL(inject('databaseUrl'));
    proxy = await new PgProxy({ host: database.hostname, port: Number(database.port || 5432) }).start();
    plansDir = mkdtempSync(join(tmpdir(), 'flightdeck-doubt-'));
    const demo = readFileSync(join(PROJECT_ROOT, 'plans/demo.yaml'), 'utf8');
    writeFileSync(join(plansDir, 'demo.yaml'), demo);
    writeFileSync(join(plansDir, 'doubt.yaml'), demo.replace(/^service: demo$/m, 'service: doubt'));
    app = await startSlackFlightdeck({ worker: false, plansDir, databaseUrlOf: (url) => proxy.url(url) });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await proxy?.stop();
    rmSync(plansDir, { recursive: true, force: true });
  });

  /** Starts `service` and records its pre-check as a worker would (past the proxy): the run waits for Go/No-Go. */
  const awaitingDecision = async (service: string) => {
    expect((await app.command('alice', `start ${service} 1.4.0`)).text).toContain(`Run ${service}-1 created`);
    const direct = testContext(app.db.database.db, []);
    const run = (await findRunByKey(app.db.database.db, `${service}-1`))!;
    await recordEvent(direct, run.id, { type: 'step.started', stepId: 'pre_checks.0' });
    await recordEvent(direct, run.id, { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'toolchain ok' });
    expect((await findRunByKey(app.db.database.db, `${service}-1`))!.state).toBe('awaiting_decision');
    return run;
  };
  const decisionsOf = (runId: string) => app.db.database.db.select({ decision: decisions.decision }).from(decisions).where(eq(decisions.runId, runId));

  it('a GO saved just before its answer was lost is found: the form closes and bob is told it was recorded', async () => {
    const run = await awaitingDecision('demo');
    // The decision's one statement (store/append-event.ts) commits; its answer never reaches Flightdeck.
    proxy.arm({ marker: 'append-event-if-at', at: 'afterCommit' });
    const ephemerals = app.slack.called('chat.postEphemeral').length;
    const answer = await app.click('bob', 'run.go', run.id, { rationale: 'looks good' });
    expect(proxy.pending).toBe(false);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(''); // the form closes: nothing to show in it
    const told = await waitFor('bob to be told', async () =>
      app.slack
        .called('chat.postEphemeral')
        .slice(ephemerals)
        .find((call) => call.args.user === 'U0DEMOBOB'),
    );
    expect(String(told.args.text)).toBe('Recorded: GO on demo-1.');
    expect(await decisionsOf(run.id)).toEqual([{ decision: 'go' }]);
    expect((await findRunByKey(app.db.database.db, 'demo-1'))!.state).not.toBe('awaiting_decision');
  }, 60_000);

  it('a GO saved while the database is out of reach is called not confirmed, never "not recorded"', async () => {
    const run = await awaitingDecision('doubt');
    proxy.arm({ marker: 'append-event-if-at', at: 'afterCommit', andRefuse: true });
    const answer = await app.click('bob', 'run.go', run.id, { rationale: 'looks good' }).finally(() => (proxy.refuse = false));
    expect(proxy.pending).toBe(false);
    expect(answer.status).toBe(200);
    const shown = JSON.stringify(answer.json);
    expect(answer.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Not confirmed' } } });
    expect(shown).toContain('cannot tell whether it was saved');
    expect(shown).not.toContain('Nothing was changed');
    // It was right not to say so: the GO is there.
    expect(await decisionsOf(run.id)).toEqual([{ decision: 'go' }]);
  }, 60_000);
});
