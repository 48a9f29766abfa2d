import type { Card, Text } from '../cards.ts';
import { formatDuration } from '../duration.ts';
import { mentionOf } from '../identity.ts';
import type { Decision, Run } from '../run.ts';
import { decisionLabel } from '../decisions.ts';

/** The small pieces every message is written with, so a run, a time or a decision reads the same everywhere. */

/** "demo 1.2.0 → production", with where a redeploy rolls back from. */
export function target(run: Run): string {
  return `${run.service} ${run.version} → ${run.environment}${run.redeploy ? ` (rollback from ${run.redeploy.from})` : ''}`;
}

/** "14:05 UTC". */
export function time(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

/** "GO by @bob at 14:02 UTC (“rationale”)", with the decider as a mention. */
export function decisionText(decision: Decision): Text {
  return [
    `${decisionLabel(decision.decision)} by `,
    { mention: mentionOf(decision.by) },
    ` at ${time(decision.at)}${decision.rationale ? ` (“${decision.rationale}”)` : ''}${decision.override ? `, ⚠️ overriding: ${decision.override}` : ''}`,
  ];
}

export function joinMentions(mentions: ReturnType<typeof mentionOf>[]): Text {
  return mentions.flatMap((mention, index) => (index ? [', ', { mention }] : [{ mention }]));
}

export function elapsed(from: string, to: string | null): string {
  return to ? formatDuration(Date.parse(to) - Date.parse(from)) : 'in progress';
}

/** A message about a run, with the link to its page (the report) at the end of its context line. */
export function withReportLink(card: Card, url: string | null): Card {
  if (!url) return card;
  const context = card.context ?? [];
  return { ...card, context: [...context, ...(context.length ? [' · '] : []), `📄 Report: ${url}`] };
}
