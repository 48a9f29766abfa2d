import { card, type Button, type Card, type DecisionForm, type Text } from './cards.ts';
import { decisionOf, rationaleRequired } from './decisions.ts';
import { mentionOf } from './identity.ts';
import { transition, type DecisionInput, type DecisionKind, type Readiness, type Run, type RunEvent, type TransitionResult } from './run.ts';
import { quorumOf } from './run-approval.ts';

/**
 * The Go/No-Go form: what an approver is asked for (a rationale; for GO on a CONDITIONAL run, an
 * acknowledgement of the failing items) and the facts they decide from. Platform-neutral data:
 * Slack renders it as a modal, Teams as a ShowCard with inputs, the shell as words to type.
 */

export type { DecisionForm } from './cards.ts';

export const ACKNOWLEDGE_LABEL = 'I have read the CONDITIONAL items and accept them';

const RATIONALE_HINTS: Record<DecisionKind, string> = {
  go: 'Optional: why this is safe to ship. It is kept with your GO in the run’s audit trail.',
  no_go: 'Required: what must change before this ships. The requester and the audit trail see it.',
  defer: 'Required: what to wait for, and roughly when to try again. The requester and the audit trail see it.',
};

export function decisionForm(run: Run, decision: DecisionKind): DecisionForm {
  const conditional = decision === 'go' && run.readiness?.verdict === 'CONDITIONAL';
  return { ...plainForm(decision), acknowledge: conditional ? run.readiness!.failing : null };
}

/** The form a decision implies without looking at the run: the rationale rule only. */
function plainForm(decision: DecisionKind): DecisionForm {
  return { decision, rationale: rationaleRequired(decision) ? 'required' : 'optional', rationaleHint: RATIONALE_HINTS[decision], acknowledge: null };
}

/** The decision form of a button: the one it carries, else the one its decision implies; null when it is not GO / NO-GO / DEFER. */
export function formOf(button: Button): DecisionForm | null {
  if (button.form) return button.form;
  const decision = decisionOf(button.action);
  return decision ? plainForm(decision) : null;
}

/** The card with each decision button carrying its form for this run (so Teams can show the acknowledgement box). */
export function withDecisionForms(source: Card, run: Run): Card {
  return {
    ...source,
    buttons: source.buttons.map((button): Button => {
      const decision = decisionOf(button.action);
      return decision ? { ...button, form: decisionForm(run, decision) } : button;
    }),
  };
}

/** A refusal that one of the form's inputs can fix: the platform shows it on that input. */
export interface InputProblem {
  input: DecisionInput;
  message: string;
  /** `form`: the form is only incomplete (a NO-GO needs a reason), not a refusal; `domain`: the state machine refused it, so it is audited. */
  ruledBy: 'form' | 'domain';
}

/** The input a transition's answer is about, if it is about one (the state machine judges the inputs: run-approval.ts). */
export function inputProblemOf(result: TransitionResult): InputProblem | null {
  if (result.ok || result.error.code !== 'invalid_input') return null;
  return { input: result.error.input, message: result.error.message, ruledBy: result.error.refused ? 'domain' : 'form' };
}

/** Whether a decision as submitted is refused only because of its inputs: one question to the state machine. */
export function decisionInputProblem(run: Run, event: Extract<RunEvent, { type: 'decision' }>, now: Date): InputProblem | null {
  return inputProblemOf(transition(run, event, now));
}

/** The GO form of an admin whose GO would override a lock or a freeze: the rationale becomes required, since it is the override's reason. */
export function overrideForm(form: DecisionForm): DecisionForm {
  return {
    ...form,
    rationale: 'required',
    rationaleHint: 'Required: why deploying now is safe. Your GO overrides what is shown above, and the audit trail keeps your reason with it.',
  };
}

/** The facts an approver decides from, as a card: target, strategy, readiness, steps so far, approvals, emergency; and what a GO would override. */
export function decisionFactsCard(run: Run, decision: DecisionKind, overriding: string | null = null): Card {
  const quorum = quorumOf(run);
  const body: Text[] = [];
  if (overriding) body.push([`⚠️ ${overriding} As an admin you may override it: your GO deploys anyway, with your rationale as the reason.`]);
  if (run.emergency)
    body.push([`🚨 Emergency start inside a freeze window: “${run.emergency.justification}”. It needs one more GO than usual (${quorum} in all).`]);
  body.push(...readinessLines(run.readiness));
  body.push([stepsSoFar(run)]);
  const approvals: Text = run.approvals.length
    ? [`GO so far: ${run.approvals.length} of ${quorum}, from `, ...joined(run.approvals.map((vote) => mentionOf(vote.by)))]
    : [`GO so far: none of ${quorum} needed.`];
  body.push(approvals);
  // The title is the target: service, version → environment.
  const fields = [
    { label: 'Strategy', value: [run.spec.strategy] },
    { label: 'Requested by', value: [{ mention: mentionOf(run.requestedBy) }] },
    { label: 'Replaces', value: [run.previousVersion ?? 'no earlier successful run'] },
  ];
  const tone = decision === 'go' ? (run.readiness?.verdict === 'CONDITIONAL' || run.emergency || overriding ? 'warning' : 'info') : 'warning';
  return card({ title: `${run.service} ${run.version} → ${run.environment}`, tone, body, fields, context: [`Run ${run.key}`] });
}

function readinessLines(readiness: Readiness | null): Text[] {
  if (!readiness) return [['Readiness: this plan scores no prerequisites.']];
  const icon = { READY: '🟢', CONDITIONAL: '🟡', NOT_READY: '🔴' }[readiness.verdict];
  const head = `${icon} Readiness: ${readiness.verdict.replace('_', ' ')} (${readiness.score}/100, needs ${readiness.threshold})`;
  if (readiness.failing.length === 0) return [[`${head}.`]];
  const items = readiness.failing.map((item) => `• ${item.name}${item.critical ? ' (critical)' : ''}: ${clip(item.summary, 200)}`);
  const lead = readiness.verdict === 'CONDITIONAL' ? 'these items failed, and a GO accepts them:' : 'failing:';
  return [[`${head}; ${lead}\n${items.join('\n')}`]];
}

const MAX_STEP_LINES = 15;

/** Pre-check and staging results, newest last; a long list keeps its latest lines. */
function stepsSoFar(run: Run): string {
  const done = run.steps.filter((step) => step.stepId.startsWith('pre_checks.') || step.stepId.startsWith('staging.'));
  if (done.length === 0) return 'Steps so far: none.';
  const lines = done.slice(-MAX_STEP_LINES).map((step) => `${step.ok ? '✓' : '✗'} ${step.name}: ${clip(step.summary, 200)}`);
  const hidden = done.length - lines.length;
  return `Steps so far:\n${hidden ? `(${hidden} earlier not shown)\n` : ''}${lines.join('\n')}`;
}

function joined(mentions: ReturnType<typeof mentionOf>[]): Text {
  return mentions.flatMap((mention, index) => (index ? [', ', { mention }] : [{ mention }]));
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
