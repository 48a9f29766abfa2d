import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import { testContext } from '../support/context.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { decisions } from '../../src/store/schema.ts';
import { PgProxy } from '../support/pg-proxy.ts';
import { startSlackFlightdeck } from '../support/slack-app.ts';

/**
 * A GO submitted through the real Bolt stack while the database connection is lost right after the
 * decision's commit: the decision is saved, so the form must not say "Not recorded … Nothing was changed";
 * it says it is not confirmed and where to look. (A start's doubt is resolved: test/app/start-in-doubt.test.ts.)
 */
describe('a decision whose connection is lost under its write', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  let proxy: PgProxy;
  beforeAll(async () => {
    const database = new URL(inject('databaseUrl'));
    proxy = await new PgProxy({ host: database.hostname, port: Number(database.port || 5432) }).start();
    app = await startSlackFlightdeck({ worker: false, databaseUrlOf: (url) => proxy.url(url) });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await proxy?.stop();
  });

  it('a GO saved just before its answer was lost is called not confirmed, never "not recorded"', async () => {
    expect((await app.command('alice', 'start demo 1.4.0')).text).toContain('Run demo-1 created');
    // No worker here: the pre-check is recorded as a worker would, past the proxy, so the run waits for Go/No-Go.
    const direct = testContext(app.db.database.db, []);
    const run = (await findRunByKey(app.db.database.db, 'demo-1'))!;
    await recordEvent(direct, run.id, { type: 'step.started', stepId: 'pre_checks.0' });
    await recordEvent(direct, run.id, { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'toolchain ok' });
    expect((await findRunByKey(app.db.database.db, 'demo-1'))!.state).toBe('awaiting_decision');

    // The decision's one statement (store/append-event.ts) commits; its answer never reaches Flightdeck.
    proxy.arm({ marker: 'append-event-if-at', at: 'afterCommit' });
    const answer = await app.click('bob', 'run.go', run.id, { rationale: 'looks good' });
    expect(proxy.pending).toBe(false);
    expect(answer.status).toBe(200);
    const shown = JSON.stringify(answer.json);
    expect(answer.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Not confirmed' } } });
    expect(shown).toContain('cannot tell whether it was saved');
    expect(shown).not.toContain('Nothing was changed');
    // It was right not to say so: the GO is there.
    expect(await app.db.database.db.select({ decision: decisions.decision }).from(decisions).where(eq(decisions.runId, run.id))).toEqual([{ decision: 'go' }]);
  }, 60_000);
});
