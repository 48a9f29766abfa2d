import { formatDuration } from '../duration.ts';
import { lessonsLearned } from '../reports/deployment-report.ts';
import { reportFacts } from '../reports/report-facts.ts';
import type { Run } from '../run.ts';
import { target } from './words.ts';

/**
 * The post-deployment review reminder (the plan's `review: { after }`), posted in the run's channel when
 * it is due: which run, how it ended (from its record), where its report is, and the section to fill in.
 */
export function reviewDueText(run: Run, reportUrl: string | null): string {
  const facts = reportFacts(run);
  const ended = run.finishedAt ? `${run.finishedAt.slice(0, 16).replace('T', ' ')} UTC` : 'an unknown time';
  const after = run.spec.review ? ` (the plan asks for it ${formatDuration(run.spec.review.afterMs)} after the end)` : '';
  const where = reportUrl
    ? `The report's page: ${reportUrl}`
    : `The report: \`flightdeck report ${run.key}\` prints it (no page link: this Flightdeck has no PUBLIC_URL).`;
  return [
    `📝 Post-deployment review due: ${target(run)} (${run.key})${after}`,
    `Outcome: ${facts.statusLine}, ended ${ended}. Please review it and fill in the lessons learned of its deployment report.`,
    where,
    '',
    ...lessonsLearned(),
  ].join('\n');
}
