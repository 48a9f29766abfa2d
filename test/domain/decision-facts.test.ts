import { describe, expect, it } from 'vitest';
import { ACTIONS, card } from '../../src/domain/cards.ts';
import { decisionForm, decisionInputProblem, formOf, withDecisionForms } from '../../src/domain/decision-facts.ts';
import type { Readiness, Run, RunEvent } from '../../src/domain/run.ts';
import { ALICE, awaitingDecision, BOB, T0 } from './fixtures.ts';

const CONDITIONAL: Readiness = {
  score: 80,
  threshold: 75,
  verdict: 'CONDITIONAL',
  failing: [{ name: 'Load test', critical: false, points: 20, summary: 'exit 1' }],
};
const decide = (
  decision: 'go' | 'no_go' | 'defer',
  fields: Partial<Extract<RunEvent, { type: 'decision' }>> = {},
): Extract<RunEvent, { type: 'decision' }> => ({ type: 'decision', decision, by: BOB, rationale: null, ...fields });

describe('the Go/No-Go form', () => {
  it('NO-GO and DEFER need a rationale; GO does not; only GO on a CONDITIONAL run asks to accept the items', () => {
    const conditional: Run = { ...awaitingDecision(), readiness: CONDITIONAL };
    expect(decisionForm(awaitingDecision(), 'go')).toMatchObject({ rationale: 'optional', acknowledge: null });
    expect(decisionForm(conditional, 'go')).toMatchObject({ rationale: 'optional', acknowledge: CONDITIONAL.failing });
    expect(decisionForm(conditional, 'no_go')).toMatchObject({ rationale: 'required', acknowledge: null });
    expect(decisionForm(conditional, 'defer')).toMatchObject({ rationale: 'required', acknowledge: null });
  });

  it('a refusal is put on an input only when that input is the reason', () => {
    const conditional: Run = { ...awaitingDecision(), readiness: CONDITIONAL };
    expect(decisionInputProblem(awaitingDecision(), decide('no_go', { rationale: '  ' }), T0)).toMatchObject({
      input: 'rationale',
      message: expect.stringContaining('Please say why'),
    });
    expect(decisionInputProblem(conditional, decide('go'), T0)).toMatchObject({
      input: 'acknowledged',
      message: expect.stringContaining('api-1 is CONDITIONAL'),
    });
    expect(decisionInputProblem(conditional, decide('go', { acknowledged: true }), T0)).toBeNull();
    expect(decisionInputProblem(awaitingDecision(), decide('defer', { rationale: 'after the freeze' }), T0)).toBeNull();
    // Not an approver: no input fixes that, so the state machine's own refusal answers.
    expect(decisionInputProblem(conditional, decide('no_go', { by: ALICE }), T0)).toBeNull();
  });

  it('a card’s decision buttons carry their form for the run; other buttons are left alone', () => {
    const conditional: Run = { ...awaitingDecision(), readiness: CONDITIONAL };
    const source = card({
      title: 't',
      buttons: [
        { action: ACTIONS.go, label: 'GO', value: conditional.id },
        { action: ACTIONS.rollback, label: 'Roll back', value: conditional.id },
      ],
    });
    const [go, rollback] = withDecisionForms(source, conditional).buttons;
    expect(formOf(go!)).toMatchObject({ decision: 'go', acknowledge: CONDITIONAL.failing });
    expect(formOf(rollback!)).toBeNull();
    expect(formOf(source.buttons[0]!)).toMatchObject({ decision: 'go', rationale: 'optional', acknowledge: null });
  });
});
