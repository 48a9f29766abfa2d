import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/domain/cards.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { refusalsOf } from '../../src/store/refusals.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { runReaching, waitFor } from '../support/flightdeck.ts';
import { startSlackFlightdeck, USERS } from '../support/slack-app.ts';
import { blockActionBody, newTriggerId, slackHeaders, viewSubmissionBody, type ModalInputs } from '../support/slack-requests.ts';

type User = keyof typeof USERS;

/**
 * The freeze on `europe` begins at the first whole minute at least this far from the moment the plan is
 * written: long enough for Flightdeck to start and a run to be waiting for GO before it (freeze windows
 * are whole minutes of a wall clock, and Flightdeck reads the real clock). The lock test runs meanwhile.
 */
const FREEZE_MARGIN_MS = 15_000;
const ZONE = 'Asia/Tokyo';

/**
 * A lock or a freeze that begins while a run waits for GO stops the GO, through the real Bolt receiver
 * and a real worker (test/fixtures/go-gates/gates.yaml: bob approves and is an admin, carol approves).
 */
describe('Slack: a GO into a lock or a freeze taken while the run waits', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  let plansDir: string;
  let freezeStart: DateTime;
  let freezeEnd: DateTime;
  beforeAll(async () => {
    freezeStart = DateTime.fromMillis(Math.ceil((Date.now() + FREEZE_MARGIN_MS) / 60_000) * 60_000, { zone: ZONE });
    freezeEnd = freezeStart.plus({ hours: 1 });
    plansDir = mkdtempSync(join(tmpdir(), 'flightdeck-go-gates-'));
    const local = (at: DateTime) => at.toFormat('yyyy-MM-dd HH:mm');
    const freeze = `\nfreezes:\n  - name: Gates freeze\n    zone: ${ZONE}\n    from: '${local(freezeStart)}'\n    to: '${local(freezeEnd)}'\n    environments: [europe]\n`;
    writeFileSync(join(plansDir, 'gates.yaml'), readFileSync(join(PROJECT_ROOT, 'test/fixtures/go-gates/gates.yaml'), 'utf8') + freeze);
    app = await startSlackFlightdeck({ worker: true, plansDir });
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    if (plansDir) rmSync(plansDir, { recursive: true, force: true });
  });

  const db = () => app.runtime.ctx.db;
  const run = (key: string) => findRunByKey(db(), key);
  const until = (key: string, states: readonly string[], timeoutMs = 30_000) => runReaching(db(), key, states, timeoutMs);
  const said = async (user: User, text: string) => {
    const reply = await app.command(user, text);
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({ response_type: 'ephemeral' });
    return JSON.stringify(reply.json).replace(/\\"/g, '"');
  };
  const start = async (text: string, key: string) => {
    expect(await said('alice', text)).toContain(`Run ${key} created`);
    return until(key, ['awaiting_decision']);
  };
  /** Clicks a decision button; the modal it opened, or null when the clicker was answered privately instead. */
  const click = async (user: User, action: string, runId: string) => {
    const triggerId = newTriggerId();
    const body = blockActionBody({ actionId: action, runId, triggerId, ...USERS[user] });
    expect((await app.post(body, slackHeaders(body))).status).toBe(200);
    return app.slack.views().find((opened) => opened.triggerId === triggerId)?.view ?? null;
  };
  const submit = async (user: User, view: Record<string, any>, inputs: ModalInputs) => {
    const body = viewSubmissionBody({ view, ...USERS[user], inputs });
    const response = await app.post(body, slackHeaders(body));
    expect(response.status).toBe(200);
    return response;
  };
  const privately = (user: User, fragments: string[]) =>
    waitFor(`"${fragments.join('", "')}" told to ${user}`, async () =>
      app.slack
        .called('chat.postEphemeral')
        .find((call) => call.args.user === USERS[user].userId && fragments.every((fragment) => app.slack.textOf(call).includes(fragment))),
    );
  const decisionRows = async (runId: string) =>
    ((await db().execute(sql`select decision, by_name from decisions where run_id = ${runId}`)) as any).rows as { decision: string; by_name: string }[];
  const refusalReasons = async (key: string) => (await refusalsOf(db(), key)).map((refusal) => [refusal.by.name, refusal.action, refusal.reason]);
  const posted = (fragment: string) =>
    waitFor(`a message with "${fragment}"`, async () =>
      [...app.slack.called('chat.postMessage'), ...app.slack.called('chat.update')].find((call) => app.slack.textOf(call).includes(fragment)),
    );

  it('a run on europe starts and waits for GO before its freeze begins', async () => {
    const waiting = await start('start gates 2.0.0 europe', 'gates-1');
    expect(Date.parse(waiting.requestedAt), 'the run must start before the freeze begins; raise FREEZE_MARGIN_MS on a slower machine').toBeLessThan(
      freezeStart.toMillis(),
    );
    expect(waiting.emergency).toBeNull();
  });

  it('lock while the run waits: the GO is refused privately with the holder and the reason, nothing is decided; after unlock the GO goes through', async () => {
    const waiting = await start('start gates 1.0.0', 'gates-2');
    // carol opened her GO form before the lock was taken: her submission is judged when it comes.
    const openedEarly = await click('carol', ACTIONS.go, waiting.id);
    expect(openedEarly).not.toBeNull();

    expect(await said('alice', 'lock gates production "db migration"')).toContain('alice locked gates production');
    const LOCKED = 'gates production is locked by alice since';
    const refused = await submit('carol', openedEarly!, { rationale: { text: 'staging looked fine' } });
    expect(refused.json).toMatchObject({ response_action: 'update', view: { title: { text: 'Not recorded' } } });
    const shown = JSON.stringify(refused.json.view.blocks);
    expect(shown).toContain(LOCKED);
    expect(shown).toContain('until someone unlocks it: “db migration”');
    await privately('carol', [LOCKED, '“db migration”', 'say GO again once it is lifted']);

    // A fresh click is answered privately at once, without a form to fill in for nothing.
    expect(await click('carol', ACTIONS.go, waiting.id)).toBeNull();
    // bob is an admin: his form says what a GO would override, and one without a reason is refused on the rationale.
    const adminForm = await click('bob', ACTIONS.go, waiting.id);
    expect(JSON.stringify(adminForm!.blocks)).toContain(`⚠️ 🔒 ${LOCKED}`);
    const bare = await submit('bob', adminForm!, { rationale: { text: null } });
    expect(bare.json).toEqual({ response_action: 'errors', errors: { rationale: expect.stringContaining('As an admin you may override it') } });

    expect((await run('gates-2'))!.state).toBe('awaiting_decision');
    expect(await decisionRows(waiting.id)).toEqual([]);
    const decisionEvents = await db().execute(sql`select count(*)::int as n from run_events where run_id = ${waiting.id} and type = 'decision'`);
    expect((decisionEvents as any).rows[0].n).toBe(0);
    expect(await refusalReasons('gates-2')).toEqual([
      ['carol', 'decision go', expect.stringContaining(`🔒 ${LOCKED}`)],
      ['carol', 'decision go', expect.stringContaining(`🔒 ${LOCKED}`)],
      ['bob', 'decision go', expect.stringContaining('As an admin you may override it')],
    ]);

    // NO-GO and DEFER still stop a run: checked by opening (not submitting) carol's NO-GO form.
    expect(await click('carol', ACTIONS.noGo, waiting.id)).not.toBeNull();

    expect(await said('alice', 'unlock gates production migration done')).toContain('Unlocked gates production');
    expect((await submit('carol', (await click('carol', ACTIONS.go, waiting.id))!, { rationale: { text: 'after the migration' } })).text).toBe('');
    await privately('carol', ['Recorded: GO on gates-2.']);
    const done = await until('gates-2', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect(done.decision).toMatchObject({ decision: 'go', by: { name: 'carol' }, rationale: 'after the migration' });
    expect(done.decision).not.toHaveProperty('override');
    expect(await decisionRows(waiting.id)).toEqual([{ decision: 'go', by_name: 'carol' }]);
  }, 60_000);

  it('a freeze that began while the run waited: the GO is refused with its name and end; an admin overrides it with a reason, and the audit trail says so', async () => {
    await waitFor('the freeze on europe to begin', async () => Date.now() >= freezeStart.toMillis() + 1_000, 90_000);
    const waiting = (await run('gates-1'))!;
    expect(waiting.state).toBe('awaiting_decision');

    const end = freezeEnd.setLocale('en-GB');
    const FROZEN = `❄️ Frozen: Gates freeze until ${end.toFormat('ccc d LLL HH:mm')} ${ZONE} (`;
    expect(await click('carol', ACTIONS.go, waiting.id)).toBeNull();
    await privately('carol', [FROZEN, `${end.toUTC().toFormat('HH:mm')} UTC)`, 'say GO again once it is lifted']);
    expect(await decisionRows(waiting.id)).toEqual([]);
    expect(await refusalReasons('gates-1')).toEqual([['carol', 'decision go', expect.stringContaining(FROZEN)]]);

    const form = await click('bob', ACTIONS.go, waiting.id);
    expect(JSON.stringify(form!.blocks)).toContain(`⚠️ ${FROZEN}`);
    expect((await submit('bob', form!, { rationale: { text: 'security fix, cannot wait' } })).text).toBe('');
    const done = await until('gates-1', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect(done.decision).toMatchObject({
      decision: 'go',
      by: { name: 'bob' },
      rationale: 'security fix, cannot wait',
      override: expect.stringContaining(FROZEN),
    });
    expect(await decisionRows(waiting.id)).toEqual([{ decision: 'go', by_name: 'bob' }]);
    // The decision event keeps what it was judged against: the freeze window in force.
    const events = ((await db().execute(sql`select payload from run_events where run_id = ${waiting.id} and type = 'decision'`)) as any).rows;
    expect(events.map((row: any) => row.payload)).toEqual([
      expect.objectContaining({
        decision: 'go',
        rationale: 'security fix, cannot wait',
        gates: expect.objectContaining({ lock: null, freezes: [expect.objectContaining({ name: 'Gates freeze', zone: ZONE })] }),
      }),
    ]);
    await posted(`(“security fix, cannot wait”), ⚠️ overriding: ${FROZEN}`);
    const report = await posted('Deployment Report: gates 2.0.0');
    expect(app.slack.textOf(report)).toContain(
      `GO by bob at ${DateTime.fromISO(done.decision!.at).toUTC().toFormat('HH:mm')} UTC (“security fix, cannot wait”), ⚠️ overriding: ${FROZEN}`,
    );
  }, 120_000);
});
