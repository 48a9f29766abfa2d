import { isTerminal, type Run, type RunState } from './run-types.ts';

/**
 * The four DORA figures from Flightdeck's own runs, pure: the store reads a `RunOutcome` per ended run
 * (store/history.ts) and this decides what each figure is and which performance level it falls in.
 * Definitions (also in the README, so each figure can be recomputed by hand from `/deploy history`):
 * - a *deploy* is a run that changed production: it ended succeeded, rolled back or rollback failed. A run
 *   that stopped before production changed (failed pre-checks, NO-GO, cancelled, a deploy step that failed
 *   with nothing to undo: state `failed`) is not a deploy;
 * - deployment frequency: successful deploys per day and week, and the fourkeys bucket (daily when the
 *   median week of the window has deploys on ≥ 3 days, weekly when on ≥ 1, monthly when the median 30-day
 *   month has ≥ 1, else yearly); the bucket gives the level (daily elite, weekly high, monthly medium);
 * - lead time for changes: commit time → the successful run's end, median; unknown without a commit time;
 * - change failure rate: deploys rolled back or whose rollback failed, over deploys;
 * - failed deployment recovery time: a failed deploy's first breach (or its rollback's start when a human
 *   asked for it) → production healthy again: its rollback validated, or else the next successful run on
 *   the same target; median over the failures that recovered;
 * - time to detect (first breach → rollback start) and to remediate (rollback start → traffic back on
 *   the previous version), per failed deploy, against the 10 minutes Slack's engineering sets itself.
 * Levels follow the DORA 2024 report's table. Its change failure rate and recovery clusters do not rise
 * with the level (high 20 % and < 1 day, medium 10 % and < 1 day), so those two figures alone cannot tell
 * high from medium, and say "high or medium".
 */

export type DoraLevel = 'elite' | 'high' | 'medium' | 'low' | 'high or medium';

/** One ended run, as much as the figures need. Times are ISO strings. */
export interface RunOutcome {
  key: string;
  service: string;
  environment: string;
  version: string;
  state: RunState;
  finishedAt: string;
  /** The first check that counted toward the trigger that rolled it back; null for a rollback a human asked for. */
  firstBreachAt: string | null;
  rollbackStartedAt: string | null;
  trafficRestoredAt: string | null;
  /** When the deployed commit was made (`--commit`, looked up); null when unknown. */
  commitAt: string | null;
  /** The commit deployed (`--commit`): the store fills `commitAt` from a lookup when the start gave no time. */
  commitSha?: string | null;
}

/**
 * What DORA reads of an ended run, kept beside its snapshot when it ends (store/runs.ts), so the figures over
 * a year of runs never read the snapshots themselves. Null for a run still in flight.
 */
export function outcomeOf(run: Omit<Run, 'spec'>): RunOutcome | null {
  if (!isTerminal(run.state)) return null;
  return {
    key: run.key,
    service: run.service,
    environment: run.environment,
    version: run.version,
    state: run.state,
    finishedAt: run.finishedAt ?? run.requestedAt,
    firstBreachAt: run.rollback?.trigger ? (run.rollback.evidence[0]?.at ?? null) : null,
    rollbackStartedAt: run.rollback?.startedAt ?? null,
    trafficRestoredAt: run.rollback?.trafficRestoredAt ?? null,
    commitAt: run.commit?.at ?? null,
    commitSha: run.commit?.sha ?? null,
  };
}

/** Fewer deploys than this in the window: the figures say "not enough data" rather than a level. */
export const MINIMUM_DEPLOYS = 5;
/** Slack engineering's target for detecting and for remediating a bad deploy automatically. */
export const DETECT_REMEDIATE_TARGET_MS = 10 * 60_000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;

export const DEPLOY_ENDINGS: readonly RunState[] = ['succeeded', 'rolled_back', 'rollback_failed'];
const FAILED_ENDINGS: readonly RunState[] = ['rolled_back', 'rollback_failed'];

export interface FailedDeploy {
  key: string;
  /** First breach → rollback start; null when a human started the rollback. */
  detectMs: number | null;
  /** Rollback start → traffic on the previous version; null when traffic never came back. */
  remediateMs: number | null;
  /** First breach (or rollback start) → healthy again; null when nothing has recovered it yet. */
  recoveryMs: number | null;
}

export interface DoraFigures {
  from: string;
  to: string;
  days: number;
  deploys: number;
  /** Below MINIMUM_DEPLOYS: every figure is still computed, but no level is given. */
  enough: boolean;
  frequency: { successes: number; perDay: number; perWeek: number; bucket: 'daily' | 'weekly' | 'monthly' | 'yearly'; level: DoraLevel };
  leadTime: { medianMs: number | null; known: number; unknown: number; level: DoraLevel | null };
  changeFailureRate: { failed: number; of: number; rate: number | null; level: DoraLevel | null };
  recovery: { medianMs: number | null; recovered: number; unrecovered: number; level: DoraLevel | null };
  failures: FailedDeploy[];
}

/**
 * The figures over the `days` before `now`, from `outcomes`: the ended runs of the targets asked about.
 * Runs that ended after the window are read only as the "next successful run" that recovers a failure.
 */
export function doraFigures(outcomes: readonly RunOutcome[], now: Date, days: number): DoraFigures {
  const to = now.getTime();
  const from = to - days * DAY;
  // Each end time parsed once (a year of runs sorted by re-parsing them in the comparator is most of the work).
  const ended = outcomes
    .filter((run) => DEPLOY_ENDINGS.includes(run.state))
    .map((run) => ({ run, t: at(run.finishedAt) }))
    .sort((a, b) => a.t - b.t)
    .map(({ run }) => run);
  const deploys = ended.filter((run) => at(run.finishedAt) >= from && at(run.finishedAt) <= to);
  const successes = deploys.filter((run) => run.state === 'succeeded');
  const failed = deploys.filter((run) => FAILED_ENDINGS.includes(run.state));
  const enough = deploys.length >= MINIMUM_DEPLOYS;
  const level = <T>(value: T | null, of: (value: T) => DoraLevel): DoraLevel | null => (enough && value !== null ? of(value) : null);

  const bucket = frequencyBucket(
    successes.map((run) => at(run.finishedAt)),
    from,
    to,
  );
  const leadTimes = successes.flatMap((run) => (run.commitAt ? [at(run.finishedAt) - at(run.commitAt)] : []));
  const leadMedian = median(leadTimes);
  const successesOf = successTimesByTarget(ended);
  const failures = failed.map((run) => failedDeploy(run, successesOf));
  const recoveries = failures.flatMap((failure) => (failure.recoveryMs === null ? [] : [failure.recoveryMs]));
  const recoveryMedian = median(recoveries);
  const rate = deploys.length ? failed.length / deploys.length : null;

  return {
    from: new Date(from).toISOString(),
    to: now.toISOString(),
    days,
    deploys: deploys.length,
    enough,
    frequency: {
      successes: successes.length,
      perDay: successes.length / days,
      perWeek: (successes.length / days) * 7,
      bucket,
      level: enough ? FREQUENCY_LEVEL[bucket] : 'low',
    },
    leadTime: { medianMs: leadMedian, known: leadTimes.length, unknown: successes.length - leadTimes.length, level: level(leadMedian, leadTimeLevel) },
    changeFailureRate: { failed: failed.length, of: deploys.length, rate, level: level(rate, failureRateLevel) },
    recovery: {
      medianMs: recoveryMedian,
      recovered: recoveries.length,
      unrecovered: failures.length - recoveries.length,
      level: level(recoveryMedian, recoveryLevel),
    },
    failures,
  };
}

const FREQUENCY_LEVEL: Record<DoraFigures['frequency']['bucket'], DoraLevel> = { daily: 'elite', weekly: 'high', monthly: 'medium', yearly: 'low' };

/** fourkeys: the median week's deploy days, then the median month's deploys. Weeks and months are counted back from `to`. */
export function frequencyBucket(successAt: readonly number[], from: number, to: number): DoraFigures['frequency']['bucket'] {
  const weeks = periods(from, to, WEEK).map(([start, end]) => new Set(successAt.filter((t) => t > start && t <= end).map(utcDay)).size);
  const weekMedian = median(weeks) ?? 0;
  if (weekMedian >= 3) return 'daily';
  if (weekMedian >= 1) return 'weekly';
  const months = periods(from, to, MONTH).map(([start, end]) => successAt.filter((t) => t > start && t <= end).length);
  return (median(months) ?? 0) >= 1 ? 'monthly' : 'yearly';
}

/** Whole periods of `length` ending at `to`, back to `from` (a shorter first period counts if it is at least half long). */
function periods(from: number, to: number, length: number): [number, number][] {
  const list: [number, number][] = [];
  for (let end = to; end - length / 2 >= from; end -= length) list.push([Math.max(from, end - length), end]);
  return list.length ? list : [[from, to]];
}

type SuccessTimes = Map<string, number[]>;

/** Each target's success times, ascending (`ended` is sorted), so a failure finds the next success by binary search. */
function successTimesByTarget(ended: readonly RunOutcome[]): SuccessTimes {
  const byTarget: SuccessTimes = new Map();
  for (const run of ended) {
    if (run.state !== 'succeeded') continue;
    const target = `${run.service}\n${run.environment}`;
    const times = byTarget.get(target) ?? [];
    times.push(at(run.finishedAt));
    byTarget.set(target, times);
  }
  return byTarget;
}

function failedDeploy(run: RunOutcome, successesOf: SuccessTimes): FailedDeploy {
  const started = run.rollbackStartedAt ? at(run.rollbackStartedAt) : null;
  const breach = run.firstBreachAt ? at(run.firstBreachAt) : (started ?? at(run.finishedAt));
  const healthy =
    run.state === 'rolled_back' ? at(run.finishedAt) : nextSuccess(successesOf.get(`${run.service}\n${run.environment}`) ?? [], at(run.finishedAt));
  return {
    key: run.key,
    detectMs: run.firstBreachAt && started !== null ? started - breach : null,
    remediateMs: started !== null && run.trafficRestoredAt ? at(run.trafficRestoredAt) - started : null,
    recoveryMs: healthy === null ? null : healthy - breach,
  };
}

/** The first success strictly after `after`, or null. */
function nextSuccess(times: readonly number[], after: number): number | null {
  let low = 0;
  let high = times.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (times[middle]! <= after) low = middle + 1;
    else high = middle;
  }
  return low < times.length ? times[low]! : null;
}

function leadTimeLevel(ms: number): DoraLevel {
  return ms < DAY ? 'elite' : ms < WEEK ? 'high' : ms < MONTH ? 'medium' : 'low';
}

function failureRateLevel(rate: number): DoraLevel {
  return rate <= 0.05 ? 'elite' : rate <= 0.2 ? 'high or medium' : 'low';
}

function recoveryLevel(ms: number): DoraLevel {
  return ms < HOUR ? 'elite' : ms < DAY ? 'high or medium' : 'low';
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function at(iso: string): number {
  return Date.parse(iso);
}

function utcDay(t: number): string {
  return new Date(t).toISOString().slice(0, 10);
}
