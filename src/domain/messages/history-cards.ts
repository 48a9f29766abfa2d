import { card, type Card, type Field, type Text } from '../cards.ts';
import { formatDuration } from '../duration.ts';
import { DETECT_REMEDIATE_TARGET_MS, MINIMUM_DEPLOYS, type DoraFigures, type DoraLevel } from '../dora.ts';
import { stateLabel, type Run } from '../run.ts';

/** `/deploy history` and `/deploy stats`: what happened on a target, and the DORA figures of it. */

const RESULT_ICON: Partial<Record<Run['state'], string>> = {
  succeeded: '✅',
  rolled_back: '🔴',
  rollback_failed: '🔥',
  failed: '❌',
  no_go: '⛔',
  deferred: '⏸️',
  cancelled: '🚫',
};

/** The scope a history or stats card is about: "api production", "api (every environment)", "every service". */
export function scopeOf(service: string | null, environment: string | null): string {
  if (!service) return environment ? `every service in ${environment}` : 'every service (each in its default environment)';
  return environment ? `${service} ${environment}` : `${service} (every environment)`;
}

/** One run per line, newest first: key, version, result, who, when, how long, why it rolled back, and its page (`linkOf`, when pages are served). */
export function historyCard(runs: readonly Run[], scope: string, limit: number, linkOf: (run: Run) => string | null = () => null): Card {
  if (runs.length === 0) return card({ title: `History: ${scope}`, body: [['No runs yet.']] });
  return card({
    title: `History: ${scope} (last ${runs.length})`,
    body: runs.map((run) => historyLine(run, linkOf(run))),
    context: [runs.length === limit ? `The ${limit} newest runs; /deploy status <run> shows one in full.` : '/deploy status <run> shows one in full.'],
  });
}

export function historyLine(run: Run, link: string | null = null): Text {
  const result = `${RESULT_ICON[run.state] ?? '⏳'} ${stateLabel(run.state)}`;
  const took = run.finishedAt ? ` · took ${formatDuration(Date.parse(run.finishedAt) - Date.parse(run.requestedAt))}` : '';
  const why = run.rollback ? ` · rollback: ${run.rollback.reason}` : run.failure ? ` · ${run.failure.name}: ${run.failure.message}` : '';
  const where = run.environment;
  return [`${run.key} · ${run.version} → ${where} · ${result} · ${run.requestedBy.name} · ${day(run.requestedAt)}${took}${why}${link ? ` · 📄 ${link}` : ''}`];
}

/** The four figures, each next to its level, and the time to detect / remediate of each failed deploy. */
export function statsCard(figures: DoraFigures, scope: string): Card {
  const { frequency, leadTime, changeFailureRate: cfr, recovery } = figures;
  const fields: Field[] = [
    {
      label: 'Deployment frequency',
      value: [
        `${frequency.successes} successful (${round(frequency.perWeek)}/week, ${round(frequency.perDay)}/day) · ${frequency.bucket}${levelText(figures, frequency.level)}`,
      ],
    },
    {
      label: 'Lead time for changes',
      value: [
        leadTime.medianMs === null
          ? `unknown (no commit time on ${leadTime.unknown} successful run${leadTime.unknown === 1 ? '' : 's'}; start with --commit <sha>)`
          : `median ${formatDuration(leadTime.medianMs)} over ${leadTime.known} run${leadTime.known === 1 ? '' : 's'}${leadTime.unknown ? ` (${leadTime.unknown} without a commit time)` : ''}${levelText(figures, leadTime.level)}`,
      ],
    },
    {
      label: 'Change failure rate',
      value: [cfr.rate === null ? 'no deploys' : `${percent(cfr.rate)} (${cfr.failed} of ${cfr.of} deploys rolled back)${levelText(figures, cfr.level)}`],
    },
    {
      label: 'Failed deployment recovery time',
      value: [
        recovery.medianMs === null
          ? cfr.failed
            ? `not recovered yet (${recovery.unrecovered} failed deploy${recovery.unrecovered === 1 ? '' : 's'} with no validated rollback or later success)`
            : 'no failed deploys'
          : `median ${formatDuration(recovery.medianMs)} over ${recovery.recovered}${recovery.unrecovered ? ` (${recovery.unrecovered} not recovered yet)` : ''}${levelText(figures, recovery.level)}`,
      ],
    },
  ];
  const body: Text[] = [
    [
      `${figures.deploys} production deploy${figures.deploys === 1 ? '' : 's'} in the last ${figures.days} days (${figures.from.slice(0, 10)} → ${figures.to.slice(0, 10)}).`,
    ],
  ];
  if (!figures.enough) body.push([`Not enough data for performance levels: at least ${MINIMUM_DEPLOYS} deploys are needed.`]);
  for (const failure of figures.failures)
    body.push([
      `${failure.key}: detected ${failure.detectMs === null ? 'by a human (manual rollback)' : `in ${formatDuration(failure.detectMs)}${mark(failure.detectMs)}`}, remediated ${failure.remediateMs === null ? 'never (traffic not back)' : `in ${formatDuration(failure.remediateMs)}${mark(failure.remediateMs)}`}`,
    ]);
  return card({
    title: `📈 DORA: ${scope}`,
    body,
    fields,
    context: [
      `Levels from the DORA 2024 report; detect and remediate against Slack's ${formatDuration(DETECT_REMEDIATE_TARGET_MS)} target. Definitions: README "DORA metrics".`,
    ],
  });
}

function levelText(figures: DoraFigures, level: DoraLevel | null): string {
  if (!figures.enough) return ' · not enough data';
  return level ? ` · ${level.toUpperCase()}` : '';
}

function mark(ms: number): string {
  return ms <= DETECT_REMEDIATE_TARGET_MS ? ' ✓' : ' ✗';
}

function percent(rate: number): string {
  return `${Math.round(rate * 1000) / 10} %`;
}

function round(value: number): string {
  return value >= 10 ? String(Math.round(value)) : String(Math.round(value * 10) / 10);
}

function day(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
