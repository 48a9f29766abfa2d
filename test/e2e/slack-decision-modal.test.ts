import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decisionInputIds } from '../../src/chat/teams/parse.ts';
import { ACTIONS } from '../../src/domain/cards.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { refusalsOf } from '../../src/store/refusals.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { TERMINAL_STATES } from '../../src/domain/run-types.ts';
import { waitFor, runReaching } from '../support/flightdeck.ts';
import { startDriver, type Driver } from '../support/platforms.ts';
import { startSlackFlightdeck, USERS } from '../support/slack-app.ts';
import { blockActionBody, newTriggerId, slackHeaders, viewSubmissionBody, type ModalInputs } from '../support/slack-requests.ts';

/** gated's production readiness is CONDITIONAL (test/fixtures/decision/gated.yaml); its "frozen" environment is inside a freeze. */
const PLANS = join(PROJECT_ROOT, 'test/fixtures/decision');
type User = keyof typeof USERS;

/**
 * GO / NO-GO / DEFER through the real Bolt receiver and a real worker: the click opens a modal with the
 * run's facts (views.open on the fake Slack Web API), and the signed view_submission decides.
 */
describe('Slack: the Go/No-Go modal', () => {
  let app: Awaited<ReturnType<typeof startSlackFlightdeck>>;
  beforeAll(async () => {
    app = await startSlackFlightdeck({ worker: true, plansDir: PLANS });
  }, 60_000);
  afterAll(async () => app?.stop());

  const run = (key: string) => findRunByKey(app.runtime.ctx.db, key);
  const until = (key: string, states: readonly string[], timeoutMs = 30_000) => runReaching(app.runtime.ctx.db, key, states, timeoutMs);
  const start = async (text: string, key: string) => {
    expect(JSON.stringify((await app.command('alice', text)).json)).toContain(`Run ${key} created`);
    return until(key, ['awaiting_decision']);
  };
  /** Clicks a decision button; the modal it opened (views.open with this click's trigger_id), or null. */
  const click = async (user: User, action: string, runId: string) => {
    const triggerId = newTriggerId();
    const body = blockActionBody({ actionId: action, runId, triggerId, ...USERS[user] });
    const response = await app.post(body, slackHeaders(body));
    expect(response.status).toBe(200);
    return app.slack.views().find((opened) => opened.triggerId === triggerId)?.view ?? null;
  };
  const submit = async (user: User, view: Record<string, any>, inputs: ModalInputs) => {
    const body = viewSubmissionBody({ view, ...USERS[user], inputs });
    const response = await app.post(body, slackHeaders(body));
    expect(response.status).toBe(200);
    return response;
  };
  const privately = (user: User, fragment: string) =>
    waitFor(`"${fragment}" told to ${user}`, async () =>
      app.slack.called('chat.postEphemeral').find((call) => call.args.user === USERS[user].userId && app.slack.textOf(call).includes(fragment)),
    );
  const decisionRows = async (runId: string) =>
    ((await app.runtime.ctx.db.execute(sql`select decision, by_name, rationale from decisions where run_id = ${runId}`)) as any).rows as {
      decision: string;
      by_name: string;
      rationale: string | null;
    }[];
  const facts = (view: Record<string, any>) => JSON.stringify(view.blocks);

  it('GO opens a modal with the run’s facts; nothing is decided until it is submitted, then the run goes with the rationale', async () => {
    const waiting = await start('start gated 1.0.0', 'gated-1');
    expect(waiting.readiness?.verdict).toBe('CONDITIONAL');

    const view = await click('bob', ACTIONS.go, waiting.id);
    expect(view).toMatchObject({ type: 'modal', callback_id: 'run.decision', title: { text: 'GO on gated-1' }, submit: { text: 'Record GO' } });
    expect(JSON.parse(view!.private_metadata)).toEqual({ runId: waiting.id, action: 'run.go', channel: 'C0DEPLOYS' });
    expect(facts(view!)).toContain('gated 1.0.0 → production');
    expect(facts(view!)).toContain('rolling');
    expect(facts(view!)).toContain('🟡 Readiness: CONDITIONAL (70/100, needs 60)');
    expect(facts(view!)).toContain('• Load test');
    expect(facts(view!)).toContain('✓ CI green');
    expect(facts(view!)).toContain('✗ Load test');
    expect(facts(view!)).toContain('GO so far: none of 1 needed.');
    expect(facts(view!)).toContain('Rationale (optional)');
    expect(facts(view!)).toContain('I have read the CONDITIONAL items and accept them');
    // The click only opened the form.
    expect(await decisionRows(waiting.id)).toEqual([]);
    expect((await run('gated-1'))!.state).toBe('awaiting_decision');

    // The box left unticked: refused on the box, the form stays open, nothing decided.
    const unticked = await submit('bob', view!, { rationale: { text: 'Load test is known flaky on staging' }, acknowledge: { ticked: [] } });
    expect(unticked.json).toEqual({ response_action: 'errors', errors: { acknowledge: expect.stringContaining('gated-1 is CONDITIONAL') } });
    expect(await decisionRows(waiting.id)).toEqual([]);
    expect((await refusalsOf(app.runtime.ctx.db, 'gated-1')).map((refusal) => [refusal.by.name, refusal.action, refusal.reason])).toEqual([
      ['bob', 'decision go', expect.stringContaining('is CONDITIONAL')],
    ]);

    const accepted = await submit('bob', view!, { rationale: { text: '  Load test is known flaky on staging ' }, acknowledge: { ticked: ['accepted'] } });
    expect(accepted.text).toBe(''); // an empty ack closes the modal
    await privately('bob', 'Recorded: GO on gated-1.');
    expect(await decisionRows(waiting.id)).toEqual([{ decision: 'go', by_name: 'bob', rationale: 'Load test is known flaky on staging' }]);
    const events = ((await app.runtime.ctx.db.execute(sql`select payload from run_events where run_id = ${waiting.id} and type = 'decision'`)) as any).rows;
    expect(events.map((row: any) => row.payload)).toEqual([
      expect.objectContaining({ decision: 'go', acknowledged: true, rationale: 'Load test is known flaky on staging' }),
    ]);
    const done = await until('gated-1', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect(done.decision).toMatchObject({ decision: 'go', by: { id: 'U0DEMOBOB' }, rationale: 'Load test is known flaky on staging' });
    await waitFor('the rationale on the status message', async () =>
      app.slack
        .called('chat.update')
        .find((call) => /GO by <@U0DEMOBOB> at \d\d:\d\d UTC \(“Load test is known flaky on staging”\)/.test(app.slack.textOf(call))),
    );
  }, 60_000);

  it('NO-GO without a rationale: an error on the input and nothing decided; with one, the run ends NO-GO with it', async () => {
    const waiting = await start('start gated 1.1.0', 'gated-2');
    const view = await click('bob', ACTIONS.noGo, waiting.id);
    expect(view).toMatchObject({ title: { text: 'NO-GO on gated-2' } });
    const rationale = (view!.blocks as any[]).find((block) => block.block_id === 'rationale');
    expect(rationale).toMatchObject({ optional: false, label: { text: 'Why NO-GO? (required)' } });
    expect((view!.blocks as any[]).some((block) => block.block_id === 'acknowledge')).toBe(false);

    const answersBefore = app.slack.called('chat.postEphemeral').length;
    for (const text of [null, '   ']) {
      const refused = await submit('bob', view!, { rationale: { text } });
      expect(refused.json).toEqual({ response_action: 'errors', errors: { rationale: expect.stringContaining('Please say why') } });
    }
    expect(await decisionRows(waiting.id)).toEqual([]);
    expect((await run('gated-2'))!.state).toBe('awaiting_decision');
    expect(app.slack.called('chat.postEphemeral')).toHaveLength(answersBefore); // the error is in the form, not the channel

    expect(await (await submit('bob', view!, { rationale: { text: 'error budget spent' } })).text).toBe('');
    expect((await until('gated-2', TERMINAL_STATES)).state).toBe('no_go');
    expect(await decisionRows(waiting.id)).toEqual([{ decision: 'no_go', by_name: 'bob', rationale: 'error budget spent' }]);
    await waitFor('the NO-GO on the status message', async () =>
      app.slack
        .called('chat.update')
        .find((call) => app.slack.textOf(call).includes('NO-GO by <@U0DEMOBOB>') && app.slack.textOf(call).includes('“error budget spent”')),
    );
  }, 60_000);

  it('a non-approver gets no form, and a submission from them is refused without deciding; a late form is told who decided', async () => {
    const waiting = await start('start gated 1.2.0', 'gated-3');
    // Clicking: answered privately at once, no form to fill in for nothing.
    expect(await click('mallory', ACTIONS.go, waiting.id)).toBeNull();
    await privately('mallory', 'Only approvers may decide');
    expect((await refusalsOf(app.runtime.ctx.db, 'gated-3')).map((refusal) => [refusal.by.name, refusal.action])).toEqual([['mallory', 'decision go']]);

    // Submitting a form anyway (bob's, replayed with mallory's identity): refused in the form and privately.
    const bobsForm = await click('bob', ACTIONS.defer, waiting.id);
    const forged = await submit('mallory', bobsForm!, { rationale: { text: 'let us wait' } });
    const update = forged.json;
    expect(update).toMatchObject({ response_action: 'update', view: { type: 'modal', title: { text: 'Not recorded' } } });
    expect(JSON.stringify(update.view.blocks)).toContain('Only approvers may decide');
    await privately('mallory', 'Only approvers may decide');
    expect(await decisionRows(waiting.id)).toEqual([]);
    expect((await run('gated-3'))!.state).toBe('awaiting_decision');

    // Two forms open for one run: the first submitted decides; the second is told by whom.
    const carolsForm = await click('carol', ACTIONS.go, waiting.id);
    expect(await (await submit('bob', bobsForm!, { rationale: { text: 'waiting for the migration window' } })).text).toBe('');
    expect((await until('gated-3', TERMINAL_STATES)).state).toBe('deferred');
    const late = await (await submit('carol', carolsForm!, { rationale: { text: null }, acknowledge: { ticked: ['accepted'] } })).json;
    expect(late.response_action).toBe('update');
    expect(JSON.stringify(late.view.blocks)).toContain('Already decided: DEFER by bob');
    expect(await decisionRows(waiting.id)).toEqual([{ decision: 'defer', by_name: 'bob', rationale: 'waiting for the migration window' }]);
  }, 60_000);

  it('an emergency start shows its justification and the raised quorum; the form counts GOs so far', async () => {
    const waiting = await start('start gated 2.0.0 frozen --emergency "checkout is down"', 'gated-4');
    const first = await click('bob', ACTIONS.go, waiting.id);
    expect(facts(first!)).toContain('Emergency start inside a freeze window: “checkout is down”');
    expect(facts(first!)).toContain('GO so far: none of 2 needed.');
    expect(facts(first!)).toContain('Readiness: this plan scores no prerequisites.');
    expect(facts(first!)).not.toContain('acknowledge');
    await submit('bob', first!, { rationale: { text: 'hotfix reviewed' } });
    await privately('bob', 'Recorded: GO on gated-4.');

    const second = await click('carol', ACTIONS.go, waiting.id);
    expect(facts(second!)).toContain('GO so far: 1 of 2, from <@U0DEMOBOB>');
    await submit('carol', second!, { rationale: { text: null } });
    const done = await until('gated-4', TERMINAL_STATES);
    expect(done.state).toBe('succeeded');
    expect(done.approvals.map((vote) => [vote.by.name, vote.rationale])).toEqual([
      ['bob', 'hotfix reviewed'],
      ['carol', null],
    ]);
  }, 60_000);
});

/** The same decision form on Teams: ShowCards with inputs on the status card, the inputs in the Action.Execute's data. */
describe('Teams: the Go/No-Go form in the card', () => {
  let chat: Driver;
  beforeAll(async () => {
    chat = await startDriver('teams', { plansDir: PLANS });
  }, 60_000);
  afterAll(async () => chat?.stop());

  const until = (key: string, states: readonly string[], timeoutMs = 30_000) => runReaching(chat.runtime.ctx.db, key, states, timeoutMs);

  it('the status card opens a form per decision; NO-GO needs a rationale, and the one typed is recorded', async () => {
    expect(await chat.command('alice', 'start gated 1.0.0')).toContain('Run gated-1 created');
    const waiting = await until('gated-1', ['awaiting_decision']);
    const card = await waitFor('the decision forms on the status card', async () =>
      chat.channel().find((shown) => shown.includes('Go/No-Go needed: gated 1.0.0')),
    );
    for (const id of [decisionInputIds(ACTIONS.go).rationale, decisionInputIds(ACTIONS.noGo).rationale, decisionInputIds(ACTIONS.defer).rationale])
      expect(card).toContain(`"id":"${id}"`);
    expect(card).toContain('"Action.ShowCard"');

    expect(await chat.click('bob', ACTIONS.noGo, waiting.id, { rationale: null })).toContain('Please say why');
    expect((await findRunByKey(chat.runtime.ctx.db, 'gated-1'))!.decision).toBeNull();

    expect(await chat.click('bob', ACTIONS.noGo, waiting.id, { rationale: 'error budget spent' })).toBe(''); // the clicked card is swapped for the run's
    const done = await until('gated-1', TERMINAL_STATES);
    expect(done).toMatchObject({ state: 'no_go', decision: { decision: 'no_go', rationale: 'error budget spent', by: { platform: 'teams', name: 'bob' } } });
  }, 60_000);

  it('GO on a CONDITIONAL run: refused until the toggle accepts the items, then recorded with the rationale', async () => {
    expect(await chat.command('alice', 'start gated 1.1.0')).toContain('Run gated-2 created');
    const waiting = await until('gated-2', ['awaiting_decision']);
    const refused = await chat.click('bob', ACTIONS.go, waiting.id, { rationale: 'flaky load test', acknowledged: false });
    expect(refused).toContain('gated-2 is CONDITIONAL');
    expect(refused).toContain('Load test');
    expect((await findRunByKey(chat.runtime.ctx.db, 'gated-2'))!.decision).toBeNull();

    expect(await chat.click('bob', ACTIONS.go, waiting.id, { rationale: 'flaky load test', acknowledged: true })).toBe('');
    const done = await until('gated-2', TERMINAL_STATES);
    expect(done).toMatchObject({ state: 'succeeded', decision: { decision: 'go', rationale: 'flaky load test' } });
  }, 60_000);
});
