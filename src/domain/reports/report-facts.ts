import type { Sample } from '../assess.ts';
import { formatDuration } from '../duration.ts';
import { describeReadiness } from '../readiness.ts';
import { whatIsWrong, whatServes } from '../rollback-end.ts';
import { describeDecision, stateLabel, type Decision, type Run } from '../run.ts';

/**
 * What the seeds' deployment and incident reports say about a run, computed once from its record, so the
 * markdown (deployment-report.md, the chat thread, `flightdeck report`) and the web page say the same.
 * Nothing here is estimated: a figure the run did not measure is "not measured".
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface MetricFigure {
  metric: string;
  /** The readings of the run's checks, oldest first (null: not measured at that check). */
  points: { at: string; value: number | null }[];
  last: number | null;
  peak: number | null;
  baseline: number | null;
  /** The limit of the first trigger that reads this metric, as stored with the reading. */
  limit: number | null;
}

export interface ReportFacts {
  title: string;
  status: 'SUCCESS' | 'ROLLED BACK' | 'FEATURE OFF' | 'ROLLBACK FAILED' | 'STOPPED' | 'IN PROGRESS';
  statusLine: string;
  date: string;
  durationMs: number | null;
  readiness: string;
  rollbackExecuted: boolean;
  /** Production checks that failed while the run changed it: the downtime the health check saw. */
  failedChecks: { count: number; of: number; firstAt: string | null; lastAt: string | null };
  metrics: MetricFigure[];
  timeline: { at: string; event: string; ok: boolean | null; detail?: string }[];
  smokeTests: { name: string; ok: boolean; summary: string }[];
  issues: { severity: Severity; text: string }[];
  rollback: {
    plan: 'EXECUTED' | 'READY' | 'NOT NEEDED';
    previousVersion: string | null;
    method: string;
    trafficBackMs: number | null;
    tookMs: number | null;
    validation: string | null;
    database: string;
  };
  decisions: Decision[];
  monitoringPlan: string[];
}

export function reportFacts(run: Run): ReportFacts {
  const status = statusOf(run);
  const checked = run.samples;
  const failed = checked.filter((sample) => !sample.healthy);
  return {
    title: `${run.service} ${run.version} (${run.key})`,
    status,
    statusLine: run.finishedAt ? status : `IN PROGRESS (${stateLabel(run.state)})`,
    date: run.requestedAt.slice(0, 10),
    durationMs: run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.requestedAt) : null,
    readiness: run.readiness ? describeReadiness(run.readiness) : 'no prerequisites in the plan',
    rollbackExecuted: !!run.rollback,
    failedChecks: { count: failed.length, of: checked.length, firstAt: failed[0]?.at ?? null, lastAt: failed.at(-1)?.at ?? null },
    metrics: metricsOf(run),
    timeline: timelineOf(run),
    smokeTests: run.steps.filter((step) => /smoke test/i.test(step.name)).map((step) => ({ name: step.name, ok: step.ok, summary: step.summary })),
    issues: issuesOf(run),
    rollback: {
      plan: run.rollback ? 'EXECUTED' : run.state === 'succeeded' || !run.finishedAt ? 'READY' : 'NOT NEEDED',
      previousVersion: run.previousVersion,
      method: run.spec.strategy,
      trafficBackMs: run.rollback?.trafficRestoredAt ? Date.parse(run.rollback.trafficRestoredAt) - Date.parse(run.rollback.startedAt) : null,
      tookMs: run.rollback?.finishedAt ? Date.parse(run.rollback.finishedAt) - Date.parse(run.rollback.startedAt) : null,
      validation: validationOf(run),
      database:
        run.spec.migrationReversible === null
          ? 'no migration in this release'
          : run.spec.migrationReversible
            ? 'the migration is reversible and is undone by the rollback'
            : 'the migration is NOT reversible: a rollback leaves it in place',
    },
    decisions: run.decision?.decision === 'go' && run.approvals.length > 1 ? run.approvals : run.decision ? [run.decision] : [],
    monitoringPlan: monitoringPlanOf(run),
  };
}

function statusOf(run: Run): ReportFacts['status'] {
  switch (run.state) {
    case 'succeeded':
      return 'SUCCESS';
    case 'rolled_back':
      return run.rollback?.validations.at(-1)?.outcome === 'feature_off' ? 'FEATURE OFF' : 'ROLLED BACK';
    case 'rollback_failed':
      return 'ROLLBACK FAILED';
    default:
      return run.finishedAt ? 'STOPPED' : 'IN PROGRESS';
  }
}

function metricsOf(run: Run): MetricFigure[] {
  const names = [...new Set(run.samples.flatMap((sample) => (sample.readings ?? []).map((reading) => reading.metric)))];
  return names.map((metric) => {
    const points = run.samples.flatMap((sample) => readingOf(sample, metric));
    const values = points.flatMap((point) => (point.value === null ? [] : [point.value]));
    const limit = run.samples.flatMap((sample) => sample.readings ?? []).find((reading) => reading.metric === metric && reading.limit != null)?.limit ?? null;
    return { metric, points, last: values.at(-1) ?? null, peak: values.length ? Math.max(...values) : null, baseline: run.baselines[metric] ?? null, limit };
  });
}

function readingOf(sample: Sample, metric: string): { at: string; value: number | null }[] {
  const reading = sample.readings?.find((candidate) => candidate.metric === metric);
  return reading ? [{ at: sample.at, value: reading.value }] : [];
}

function timelineOf(run: Run): ReportFacts['timeline'] {
  const events: ReportFacts['timeline'] = [{ at: run.requestedAt, event: `Requested by ${run.requestedBy.name}`, ok: null }];
  for (const step of run.steps) events.push({ at: step.finishedAt, event: step.name, ok: step.ok, detail: step.summary });
  for (const decision of run.decision?.decision === 'go' && run.approvals.length > 1 ? run.approvals : run.decision ? [run.decision] : [])
    events.push({ at: decision.at, event: describeDecision(decision), ok: decision.decision === 'go' });
  if (run.monitoringSince) events.push({ at: run.monitoringSince, event: 'Monitoring began', ok: null });
  if (run.rollback) {
    events.push({ at: run.rollback.startedAt, event: `Rollback started: ${run.rollback.reason}`, ok: false });
    if (run.rollback.trafficRestoredAt) events.push({ at: run.rollback.trafficRestoredAt, event: 'Traffic back on the previous version', ok: true });
    if (run.rollback.finishedAt)
      events.push({ at: run.rollback.finishedAt, event: `Rollback ended: ${validationOf(run) ?? 'not validated'}`, ok: run.state === 'rolled_back' });
  }
  if (run.finishedAt)
    events.push({ at: run.finishedAt, event: `Run ended: ${stateLabel(run.state)}`, ok: run.state === 'succeeded' || run.state === 'rolled_back' });
  return events.sort((a, b) => a.at.localeCompare(b.at));
}

function issuesOf(run: Run): ReportFacts['issues'] {
  const issues: ReportFacts['issues'] = [];
  if (run.state === 'rollback_failed') issues.push({ severity: 'critical', text: `Rollback failed: ${whatIsWrong(run)}` });
  if (run.rollback?.trigger) issues.push({ severity: 'critical', text: `Rollback trigger fired: ${run.rollback.reason}` });
  else if (run.rollback) issues.push({ severity: 'high', text: `Rolled back by ${run.rollback.by?.name ?? 'Flightdeck'}: ${run.rollback.reason}` });
  for (const step of run.steps.filter((record) => !record.ok)) issues.push({ severity: 'high', text: `${step.name} failed: ${step.summary}` });
  const unhealthy = run.samples.filter((sample) => !sample.healthy);
  if (unhealthy.length && !run.rollback?.trigger)
    issues.push({
      severity: 'medium',
      text: `${unhealthy.length} of ${run.samples.length} checks failed without firing a trigger (the last: ${unhealthy.at(-1)!.detail})`,
    });
  for (const item of run.readiness?.failing ?? [])
    issues.push({ severity: item.critical ? 'high' : 'low', text: `Readiness: ${item.name} failed (${item.summary}), −${item.points} points` });
  return issues;
}

function validationOf(run: Run): string | null {
  const validation = run.rollback?.validations.at(-1);
  if (!validation?.status) return null;
  return validation.status === 'SUCCESS'
    ? `${validation.status}: ${whatServes(run)}${validation.evidence.length ? ` (${validation.evidence.join('; ')})` : ''}`
    : `${validation.status}: ${validation.problems.join('; ')}`;
}

/** What is watched, not the URL or query: those hold ${env.…} templates the domain never fills (and may hold secrets). */
function monitoringPlanOf(run: Run): string[] {
  const monitoring = run.spec.monitoring;
  if (!monitoring) return ['No monitoring in the plan: nothing watched production after the deploy.'];
  const window = monitoring.schedule.map((pace) => `every ${formatDuration(pace.everyMs)} until ${formatDuration(pace.untilMs)}`).join(', then ');
  return [
    `Health check of production ${window} (${monitoring.checks} checks) after the last deploy step.`,
    ...monitoring.metrics.map((metric) => `Metric ${metric.metric}, from Prometheus, at every check`),
    ...run.spec.triggers.map((trigger) => `Rollback trigger: ${trigger.text}`),
  ];
}
