import type { Plan } from '../domain/plan.ts';
import { peopleOf } from '../domain/plan.ts';

/** Who the interactive demo lets you be before anything else: the shell has no sign-in, so you pick a name. */
export const DEMO_SELF = 'operator';

/**
 * The interactive demo's opening lines, from the demo plan itself: the cast (who may start, who approves,
 * who is on call), how to speak as one of them, and a first conversation that works — the requester may
 * not approve their own run, so the GO comes from someone else.
 */
export function demoIntro(plan: Plan): string {
  const names = (keys: string[]) => peopleOf(plan, keys).map((person) => person.key);
  const approvers = names(plan.approvers);
  const other = approvers.find((name) => name !== DEMO_SELF) ?? approvers[0] ?? 'an approver';
  const deployers = plan.deployers.length ? names(plan.deployers).join(', ') : 'anyone';
  return [
    `The cast of plans/${plan.service}.yaml: starts runs — ${deployers}; approves (GO / NO-GO) — ${approvers.join(', ')}; on call (paged) — ${names(plan.onCall).join(', ')}.`,
    `You are "${DEMO_SELF}" (the prompt says who you are). To speak as someone else, start the line with "as <name>", e.g. "as ${other} go"; "as ${other}" alone makes you ${other}.`,
    `Try: /deploy start ${plan.service} 1.1.0, then "as ${other} go" (nobody approves their own run here).`,
    'Buttons are words: go, no-go <why>, defer <why>, roll-back, promote, hold, resume, ack [run]; help for these words, /deploy help for the commands. Ctrl-D to quit.',
    '',
  ].join('\n');
}
