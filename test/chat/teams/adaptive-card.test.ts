import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import draft6 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { cardToAdaptiveCard, MAX_CARD_BYTES } from '../../../src/chat/teams/render.ts';
import { ACTIONS, card, type Card } from '../../../src/domain/cards.ts';
import { helpCard, statusCard, statusSummary } from '../../../src/domain/messages/status-card.ts';
import { pageCard } from '../../../src/domain/messages/page-cards.ts';
import { rollbackCard, successCard } from '../../../src/domain/messages/announcements.ts';
import { withDecisionForms } from '../../../src/domain/decision-facts.ts';
import type { Run, RunEvent } from '../../../src/domain/run.ts';
import { apply, awaitingDecision, BOB, monitoring, requested, step } from '../../domain/fixtures.ts';

/** The official Adaptive Cards 1.5 schema, unchanged (source and licence: test/fixtures/schemas/README.md). */
const schemaPath = fileURLToPath(new URL('../../fixtures/schemas/adaptive-card-1.5.json', import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
ajv.addMetaSchema(draft6);
const validateStandard = ajv.compile({ ...schema, $id: schema.id, id: undefined });
/** `msteams` (mentions, width) is Teams' host extension, outside the Adaptive Cards schema: validate the rest, and its shape here. */
const validate = Object.assign(
  (adaptive: Record<string, unknown>) => {
    const { msteams, ...standard } = adaptive as { msteams?: { entities?: unknown[]; width?: string } };
    const ok = validateStandard(standard);
    validate.errors = validateStandard.errors ?? null;
    if (msteams && (msteams.width !== 'Full' || (msteams.entities && !Array.isArray(msteams.entities)))) {
      validate.errors = [...(validate.errors ?? []), { message: 'msteams extension is malformed' } as never];
      return false;
    }
    return ok;
  },
  { errors: null as unknown[] | null },
);

const check = (seq: number, healthy: boolean): RunEvent => ({ type: 'check', seq, healthy, detail: healthy ? 'GET /health → 200' : 'GET /health → 500' });
const rolledBack = apply(monitoring(), [check(1, false), check(2, false), check(3, false), ...step('rollback.0')]).run;
const rollbackFailed = apply(monitoring(), [check(1, false), check(2, false), check(3, false), ...step('rollback.0', false)]).run;
const succeeded = apply(
  monitoring(),
  [1, 2, 3, 4, 5].map((seq) => check(seq, true)),
).run;
const conditional: Run = {
  ...awaitingDecision(),
  readiness: {
    score: 80,
    threshold: 75,
    verdict: 'CONDITIONAL',
    failing: [{ name: 'Load test', critical: false, points: 20, summary: 'exit 1: p95 over budget' }],
  },
};

/** Every card Flightdeck sends, in every state a run can show. */
const EVERY_CARD: [string, Card][] = [
  ['status: pre-checks', statusCard(apply(null, [requested()]).run)],
  ['status: awaiting decision', statusCard(awaitingDecision())],
  ['status: awaiting decision, CONDITIONAL', withDecisionForms(statusCard(conditional), conditional)],
  ['status: deploying', statusCard(apply(awaitingDecision(), [{ type: 'decision', decision: 'go', by: BOB, rationale: 'ok' }]).run)],
  ['status: monitoring', statusCard(monitoring())],
  ['status: succeeded', statusCard(succeeded)],
  ['status: rolled back', statusCard(rolledBack)],
  ['status: rollback failed', statusCard(rollbackFailed)],
  ['success', successCard(succeeded)],
  ['rollback', rollbackCard(rolledBack)],
  ['rollback failed', rollbackCard(rollbackFailed)],
  ['page', pageCard(rolledBack, 'api-1 was rolled back')],
  ['help', helpCard()],
  ['active runs', statusSummary([awaitingDecision(), monitoring()])],
];

describe('Card → Adaptive Card', () => {
  it.each(EVERY_CARD)('%s is a valid Adaptive Card 1.5 under Teams’ size limit', (_name, source) => {
    const adaptive = cardToAdaptiveCard(source);
    const valid = validate(adaptive);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(adaptive.version).toBe('1.5');
    expect(Buffer.byteLength(JSON.stringify(adaptive))).toBeLessThan(MAX_CARD_BYTES);
  });

  it('the schema check can fail: a card with a wrong element type is refused', () => {
    const broken = { ...cardToAdaptiveCard(helpCard()), body: [{ type: 'TextBlok', text: 'x' }] };
    expect(validate(broken)).toBe(false);
  });

  it('GO / NO-GO / DEFER open a form: a rationale (required for NO-GO and DEFER) and an Action.Execute with the run id and a fallback', () => {
    const decision = cardToAdaptiveCard(statusCard(awaitingDecision())) as { actions: Record<string, any>[] };
    expect(decision.actions.map((action) => action.type)).toEqual(['Action.ShowCard', 'Action.ShowCard', 'Action.ShowCard']);
    const forms = decision.actions.map((action) => action.card as { body: Record<string, any>[]; actions: Record<string, any>[] });
    expect(forms.map((form) => [form.actions[0]!.type, form.actions[0]!.verb, form.actions[0]!.data.runId, form.actions[0]!.fallback.type])).toEqual([
      ['Action.Execute', ACTIONS.go, awaitingDecision().id, 'Action.Submit'],
      ['Action.Execute', ACTIONS.noGo, awaitingDecision().id, 'Action.Submit'],
      ['Action.Execute', ACTIONS.defer, awaitingDecision().id, 'Action.Submit'],
    ]);
    expect(forms.map((form) => form.body.map((input) => [input.type, input.id, input.isRequired]))).toEqual([
      [['Input.Text', 'run.go.rationale', false]],
      [['Input.Text', 'run.no_go.rationale', true]],
      [['Input.Text', 'run.defer.rationale', true]],
    ]);
    expect(forms[1]!.body[0]).toMatchObject({ label: 'Why NO-GO? (required)', errorMessage: expect.stringContaining('Please say why') });
  });

  it('GO on a CONDITIONAL run also lists the failing items and asks to accept them with a toggle', () => {
    const decision = cardToAdaptiveCard(withDecisionForms(statusCard(conditional), conditional)) as { actions: Record<string, any>[] };
    const [go, noGo] = decision.actions.map((action) => action.card.body as Record<string, any>[]);
    expect(go!.map((element) => element.type)).toEqual(['TextBlock', 'Input.Toggle', 'Input.Text']);
    expect(go![0]!.text).toContain('- Load test: exit 1: p95 over budget');
    expect(go![1]).toMatchObject({ id: 'run.go.acknowledged', title: 'I have read the CONDITIONAL items and accept them', valueOn: 'true', valueOff: 'false' });
    expect(noGo!.map((element) => element.type)).toEqual(['Input.Text']);
  });

  it('rollback asks first', () => {
    const rollback = (cardToAdaptiveCard(statusCard(monitoring())) as { actions: Record<string, any>[] }).actions[0]!;
    expect(rollback.type).toBe('Action.ShowCard');
    expect(rollback.card.actions[0]).toMatchObject({ type: 'Action.Execute', verb: ACTIONS.rollback });
  });

  it('cuts long text between characters, never through an emoji (a surrogate pair, a ZWJ sequence, a flag)', () => {
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const emoji of ['😀', '👩‍💻', '🇩🇪', '👍🏽']) {
      const title = `${'x'.repeat(298)}${emoji}${'y'.repeat(10)}`;
      const body = `${'x'.repeat(3_998)}${emoji}${'y'.repeat(10)}`;
      const adaptive = cardToAdaptiveCard(card({ title, body: [[body]] })) as { body: { text: string }[] };
      const [cutTitle, cutBody] = adaptive.body.map((block) => block.text);
      expect(cutTitle, emoji).toBe(`${'x'.repeat(298)}…`);
      expect(cutBody, emoji).toBe(`${'x'.repeat(3_998)}…`);
      expect(lone.test(cutTitle!) || lone.test(cutBody!)).toBe(false);
    }
    // Room for the whole emoji: it stays, whole.
    const fits = cardToAdaptiveCard(card({ title: `${'x'.repeat(290)}👩‍💻${'y'.repeat(20)}` })) as { body: { text: string }[] };
    expect(fits.body[0]!.text).toBe(`${'x'.repeat(290)}👩‍💻${'y'.repeat(4)}…`);
  });

  it('a confirmation is the card model’s, not the renderer’s: any button may carry one, and a button without one acts at once', () => {
    const confirm = { title: 'Promote?', text: 'The canary takes all traffic.', confirm: 'Promote', deny: 'Not yet' };
    const { actions } = cardToAdaptiveCard(
      card({
        title: 't',
        buttons: [
          { action: ACTIONS.promote, label: 'Promote', value: 'r', confirm },
          { action: ACTIONS.rollback, label: 'Roll back', value: 'r' },
        ],
      }),
    ) as { actions: Record<string, any>[] };
    expect(actions[0]).toMatchObject({
      type: 'Action.ShowCard',
      card: { body: [{ text: 'Promote? The canary takes all traffic.' }], actions: [{ type: 'Action.Execute', verb: ACTIONS.promote, title: 'Yes, promote' }] },
    });
    expect(actions[1]).toMatchObject({ type: 'Action.Execute', verb: ACTIONS.rollback });
  });

  it('mentions people by their Teams id, with a mention entity', () => {
    const adaptive = cardToAdaptiveCard(
      card({
        title: 't',
        body: [['On-call: ', { mention: { name: 'carol', ids: { teams: 'aad-carol', slack: 'U03CAROL' } } }, ' and ', { mention: { name: 'dave', ids: {} } }]],
      }),
    );
    expect(JSON.stringify(adaptive.body)).toContain('On-call: <at>carol</at> and @dave');
    expect(adaptive.msteams).toMatchObject({ entities: [{ type: 'mention', text: '<at>carol</at>', mentioned: { id: 'aad-carol', name: 'carol' } }] });
  });

  it('a huge card is cut to fit and still validates', () => {
    const huge = card({ title: 'big', body: Array.from({ length: 60 }, () => ['z'.repeat(3_900)]), context: ['end'] });
    const adaptive = cardToAdaptiveCard(huge);
    expect(Buffer.byteLength(JSON.stringify(adaptive))).toBeLessThan(MAX_CARD_BYTES);
    expect(JSON.stringify(adaptive)).toContain('more blocks not shown');
    expect(validate(adaptive)).toBe(true);
  });
});
