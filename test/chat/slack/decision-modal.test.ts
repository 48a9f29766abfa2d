import type { InputBlock, KnownBlock } from '@slack/types';
import { describe, expect, it } from 'vitest';
import { ACKNOWLEDGED_VALUE, DECISION_CALLBACK_ID, decisionModal, notRecordedView } from '../../../src/chat/slack/decision-modal.ts';
import { LIMITS } from '../../../src/chat/slack/render.ts';
import type { Readiness, Run } from '../../../src/domain/run.ts';
import { apply, awaitingDecision, CAROL, plan, PLAN_DOCUMENT, requested, step, T0 } from '../../domain/fixtures.ts';

const CONDITIONAL: Readiness = {
  score: 80,
  threshold: 75,
  verdict: 'CONDITIONAL',
  failing: [{ name: 'Load test', critical: false, points: 20, summary: 'exit 1: p95 410ms over the 300ms budget' }],
};

const blocks = (run: Run, decision: 'go' | 'no_go' | 'defer') => decisionModal(run, decision, 'C0DEPLOYS').blocks as KnownBlock[];
const inputs = (list: KnownBlock[]) => list.filter((block): block is InputBlock => block.type === 'input');
const shown = (list: KnownBlock[]) => JSON.stringify(list);

describe('Go/No-Go modal (Block Kit)', () => {
  it('GO: titled with the run, carries run id, decision and channel, and shows the facts to decide from', () => {
    const run = awaitingDecision();
    const view = decisionModal(run, 'go', 'C0DEPLOYS');
    expect(view).toMatchObject({
      type: 'modal',
      callback_id: DECISION_CALLBACK_ID,
      title: { text: 'GO on api-1' },
      submit: { text: 'Record GO' },
      close: { text: 'Cancel' },
    });
    expect(JSON.parse(view.private_metadata!)).toEqual({ runId: run.id, action: 'run.go', channel: 'C0DEPLOYS' });
    const facts = shown(view.blocks as KnownBlock[]);
    expect(facts).toContain('api 1.4.2 → production');
    expect(facts).toContain('blue-green');
    expect(facts).toContain('<@U01ALICE>'); // requested by
    expect(facts).toContain('Readiness: this plan scores no prerequisites.');
    expect(facts).toContain('✓ CI green: ok');
    expect(facts).toContain('GO so far: none of 1 needed.');
    expect(facts).not.toContain('Emergency');
  });

  it('GO: the rationale is optional and says so; no acknowledgement box when nothing is CONDITIONAL', () => {
    const [rationale, ...others] = inputs(blocks(awaitingDecision(), 'go'));
    expect(others).toEqual([]);
    expect(rationale).toMatchObject({
      block_id: 'rationale',
      optional: true,
      label: { text: 'Rationale (optional)' },
      element: { type: 'plain_text_input', action_id: 'rationale', multiline: true },
    });
    expect(rationale!.hint?.text).toMatch(/^Optional/);
  });

  it.each([
    ['no_go', 'NO-GO'],
    ['defer', 'DEFER'],
  ] as const)('%s: the rationale is required and says so, even on a CONDITIONAL run', (decision, label) => {
    const run = { ...awaitingDecision(), readiness: CONDITIONAL };
    const view = decisionModal(run, decision, 'C0DEPLOYS');
    expect(view.title.text).toBe(`${label} on api-1`);
    const form = inputs(view.blocks as KnownBlock[]);
    expect(form.map((block) => block.block_id)).toEqual(['rationale']);
    expect(form[0]).toMatchObject({ optional: false, label: { text: `Why ${label}? (required)` } });
    expect(form[0]!.hint?.text).toMatch(/^Required/);
  });

  it('GO by an admin into a lock: the form says what it overrides and asks why', () => {
    const overriding = '🔒 api production is locked by alice since 14:05 UTC until someone unlocks it: “db migration”.';
    const list = decisionModal(awaitingDecision(), 'go', 'C0DEPLOYS', overriding).blocks as KnownBlock[];
    expect(shown(list)).toContain(`⚠️ ${overriding} As an admin you may override it: your GO deploys anyway, with your rationale as the reason.`);
    const [rationale] = inputs(list);
    expect(rationale).toMatchObject({ block_id: 'rationale', optional: false, label: { text: 'Why override? (required)' } });
    expect(rationale!.hint?.text).toMatch(/^Required: why deploying now is safe/);
  });

  it('GO on a CONDITIONAL run: the failing items, and a box to accept them', () => {
    const run = { ...awaitingDecision(), readiness: CONDITIONAL };
    const list = blocks(run, 'go');
    expect(shown(list)).toContain(
      '🟡 Readiness: CONDITIONAL (80/100, needs 75); these items failed, and a GO accepts them:\\n• Load test: exit 1: p95 410ms over the 300ms budget',
    );
    const box = inputs(list).find((block) => block.block_id === 'acknowledge');
    expect(box).toMatchObject({
      optional: false,
      element: {
        type: 'checkboxes',
        action_id: 'acknowledge',
        options: [{ text: { text: 'I have read the CONDITIONAL items and accept them' }, value: ACKNOWLEDGED_VALUE }],
      },
    });
  });

  it('an emergency start shows its justification (escaped), and approvals so far against the raised quorum', () => {
    const production = { ...PLAN_DOCUMENT.environments.production, approval: { quorum: 2 } };
    const waiting = apply(null, [requested(plan({ approvers: ['bob', 'carol'], environments: { production } })), ...step('pre_checks.0')]).run;
    const run: Run = {
      ...waiting,
      emergency: { justification: 'payments down <!channel>' },
      approvals: [{ decision: 'go', by: CAROL, at: T0.toISOString(), rationale: null, approver: 'carol' }],
    };
    const facts = shown(blocks(run, 'go'));
    expect(facts).toContain('Emergency start inside a freeze window: “payments down &lt;!channel&gt;”');
    expect(facts).toContain('GO so far: 1 of 3, from <@U03CAROL>');
  });

  it('stays within Slack’s limits: title, blocks, section text, private_metadata', () => {
    const base = awaitingDecision();
    const run: Run = {
      ...base,
      key: 'a-very-long-service-name-12345',
      steps: Array.from({ length: 40 }, (_, i) => ({
        stepId: `pre_checks.${i}`,
        name: `Check ${i}`,
        ok: i % 3 !== 0,
        startedAt: T0.toISOString(),
        finishedAt: T0.toISOString(),
        summary: 'z'.repeat(5_000),
      })),
      readiness: {
        ...CONDITIONAL,
        failing: Array.from({ length: 30 }, (_, i) => ({ name: `Item ${i}`, critical: false, points: 1, summary: 'y'.repeat(3_000) })),
      },
    };
    const view = decisionModal(run, 'no_go', 'C0DEPLOYS');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit!.text.length).toBeLessThanOrEqual(24);
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    expect(view.private_metadata!.length).toBeLessThanOrEqual(3_000);
    for (const block of view.blocks as KnownBlock[]) {
      if (block.type === 'section') expect(block.text?.text.length ?? 0).toBeLessThanOrEqual(LIMITS.section);
    }
    expect(shown(view.blocks as KnownBlock[])).toContain('(25 earlier not shown)');
  });

  it('a refusal that no input can fix replaces the form, with the reason and no submit button', () => {
    const view = notRecordedView('api-1', 'Already decided: GO by bob at 14:00 UTC.');
    expect(view).toMatchObject({ type: 'modal', title: { text: 'Not recorded' }, close: { text: 'Close' } });
    expect(view.submit).toBeUndefined();
    expect(shown(view.blocks as KnownBlock[])).toContain('Already decided: GO by bob at 14:00 UTC.');
    expect(shown(view.blocks as KnownBlock[])).toContain('Nothing was changed on api-1');
  });
});
