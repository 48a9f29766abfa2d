import { formatDuration } from '../duration.ts';
import { whatServes } from '../rollback-end.ts';
import { describeDecision, type Run } from '../run.ts';
import { reportFacts, type ReportFacts, type Severity } from './report-facts.ts';

/**
 * The seeds' deployment-report.md and incident-report.md, in markdown, from a run's record (report-facts.ts):
 * posted in the run's thread when it ends, downloaded from its page, printed by `flightdeck report <run>`.
 */

const STATUS_ICON: Record<ReportFacts['status'], string> = {
  SUCCESS: '✅',
  'ROLLED BACK': '🔴',
  'FEATURE OFF': '🟠',
  'ROLLBACK FAILED': '🔥',
  STOPPED: '❌',
  'IN PROGRESS': '⏳',
};
const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];

export function deploymentReport(run: Run): string {
  const facts = reportFacts(run);
  const lines = [
    `# Deployment Report: ${facts.title}`,
    '',
    `**Deployment Date**: ${facts.date}`,
    `**Deployment Status**: ${STATUS_ICON[facts.status]} ${facts.statusLine}`,
    `**Environment**: ${run.environment} · **Strategy**: ${run.spec.strategy}`,
    `**Rollback Executed**: ${facts.rollbackExecuted ? 'YES' : 'NO'}`,
    `**Deployment Duration**: ${facts.durationMs === null ? 'in progress' : formatDuration(facts.durationMs)}`,
    `**Readiness**: ${facts.readiness}`,
    `**Go/No-Go**: ${goNoGo(run)}`,
    ...(run.redeploy
      ? [
          `**Rollback of ${run.service}**: ${run.redeploy.from} → ${run.redeploy.to}${run.redeploy.of ? ` (${run.redeploy.from} was deployed by ${run.redeploy.of})` : ''}: a version that had succeeded on ${run.environment} before, deployed again without staging or readiness prerequisites`,
        ]
      : []),
    ...(run.emergency
      ? [
          `**Emergency**: 🚨 started inside the freeze ${run.emergency.freeze ? `"${run.emergency.freeze}"` : 'window'} with --emergency: “${run.emergency.justification}” (one more approver was required)`,
        ]
      : []),
    ...(run.commit ? [`**Commit**: ${run.commit.sha}${run.commit.at ? ` (made ${run.commit.at.slice(0, 16).replace('T', ' ')} UTC)` : ''}`] : []),
    '',
    '## Key Metrics',
    `- Deployment Duration: ${facts.durationMs === null ? 'in progress' : formatDuration(facts.durationMs)}`,
    `- Downtime: ${downtime(facts)}`,
    ...(facts.metrics.length
      ? facts.metrics.map(
          (metric) =>
            `- ${metric.metric}: last ${value(metric.last)}, peak ${value(metric.peak)}${metric.baseline === null ? '' : `, baseline ${value(metric.baseline)}`}${metric.limit === null ? '' : ` (limit ${value(metric.limit)})`}`,
        )
      : ['- Error rate and latency: not measured (the plan watches no metric)']),
    '',
    '## Deployment Timeline',
    '| Time | Event | Status |',
    '|------|-------|--------|',
    ...facts.timeline.map(
      (entry) =>
        `| ${entry.at.slice(11, 19)} | ${cell(entry.event)} | ${entry.ok === null ? '·' : entry.ok ? '✅' : '❌'}${entry.detail ? ` ${cell(entry.detail)}` : ''} |`,
    ),
    '',
    '## Production Validation',
    '### Smoke Tests',
    ...(facts.smokeTests.length
      ? facts.smokeTests.map((test) => `- ${test.name}: ${test.ok ? '✅ PASS' : `❌ FAIL (${test.summary})`}`)
      : ['- none in the plan']),
    '### Monitoring',
    ...(run.samples.length
      ? run.samples.map((sample) => `- check ${sample.seq} (${sample.at.slice(11, 19)}): ${sample.healthy ? '✅' : '❌'} ${sample.detail}`)
      : ['- no checks ran']),
    '',
    '## Issues',
    ...SEVERITIES.flatMap((severity) => {
      const found = facts.issues.filter((issue) => issue.severity === severity);
      return [`### ${severity[0]!.toUpperCase()}${severity.slice(1)} Issues`, ...(found.length ? found.map((issue) => `- ${issue.text}`) : ['_None_ ✅'])];
    }),
    '',
    '## Rollback Capability',
    `- Rollback Plan: ${facts.rollback.plan}`,
    `- Previous Version: ${facts.rollback.previousVersion ?? 'none (first deployment)'}`,
    `- Rollback Method: ${facts.rollback.method}`,
    ...(run.rollback ? [`- Reason: ${run.rollback.reason}`] : []),
    ...(facts.rollback.trafficBackMs === null ? [] : [`- Traffic back on the old version after: ${formatDuration(facts.rollback.trafficBackMs)}`]),
    ...(facts.rollback.tookMs === null ? [] : [`- Took: ${formatDuration(facts.rollback.tookMs)}`]),
    ...(run.rollback?.validations ?? []).map(
      (validation) =>
        `- **Rollback Status**${run.rollback!.validations.length > 1 ? ` (level ${validation.level + 1}, ${validation.outcome === 'feature_off' ? 'feature off' : 'previous version'})` : ''}: ${validation.status ?? 'validating'}${validation.status === 'SUCCESS' ? ` — ${whatServes(run)}: ${validation.evidence.join('; ')}` : validation.problems.length ? ` — ${validation.problems.join('; ')}` : ''}`,
    ),
    `- Database: ${facts.rollback.database}`,
    '',
    '## Sign-off',
    '| Decision | By | At | Rationale |',
    '|----------|----|----|-----------|',
    ...(facts.decisions.length
      ? facts.decisions.map(
          (decision) =>
            `| ${decision.decision.toUpperCase().replace('_', '-')} | ${decision.by.name} | ${decision.at.slice(0, 16).replace('T', ' ')} UTC | ${cell(decision.rationale ?? '—')}${decision.override ? ` (overriding: ${cell(decision.override)})` : ''} |`,
        )
      : ['| — | — | — | no decision recorded |']),
    '',
    '## Monitoring Plan',
    ...facts.monitoringPlan.map((line) => `- ${line}`),
    '',
    ...lessonsLearned(),
  ];
  return lines.join('\n');
}

/** The report's section to fill in after the deployment (the post-deployment review asks for it). */
export function lessonsLearned(): string[] {
  return [
    '## Lessons Learned',
    '### What Went Well',
    '- _to fill in_',
    '### What Could Be Improved',
    '- _to fill in_',
    '### Recommendations for Future Deployments',
    '- _to fill in_',
  ];
}

/** The seeds' incident report, for a run that rolled back or whose rollback failed; null for any other run. */
export function incidentReport(run: Run): string | null {
  if (!run.rollback) return null;
  const facts = reportFacts(run);
  const rollback = run.rollback;
  const breach = rollback.evidence[0]?.at ?? null;
  return [
    `# Incident Report: ${facts.title}`,
    '',
    `**Date**: ${facts.date} · **Environment**: ${run.environment} · **Status**: ${STATUS_ICON[facts.status]} ${facts.statusLine}`,
    '',
    '## Timeline',
    ...(breach ? [`- ${breach.slice(11, 19)} first check that counted toward the trigger`] : []),
    `- ${rollback.startedAt.slice(11, 19)} rollback started: ${rollback.reason}`,
    ...(rollback.trafficRestoredAt ? [`- ${rollback.trafficRestoredAt.slice(11, 19)} traffic back on the previous version`] : []),
    ...(rollback.finishedAt ? [`- ${rollback.finishedAt.slice(11, 19)} rollback ended: ${facts.rollback.validation ?? 'not validated'}`] : []),
    '',
    '## Root Cause',
    `- What Flightdeck saw: ${rollback.reason}`,
    ...(rollback.evidence.length ? [`- Evidence: ${rollback.evidence.map((sample) => `check ${sample.seq} ${sample.detail}`).join('; ')}`] : []),
    '- Root cause in the change: _to fill in_',
    '',
    '## Impact Assessment',
    `- Production checks failing: ${facts.failedChecks.count} of ${facts.failedChecks.of}${facts.failedChecks.firstAt ? ` (${facts.failedChecks.firstAt.slice(11, 19)} → ${facts.failedChecks.lastAt!.slice(11, 19)})` : ''}`,
    `- Time to detect: ${breach ? formatDuration(Date.parse(rollback.startedAt) - Date.parse(breach)) : 'a human started the rollback'}`,
    `- Time to remediate: ${facts.rollback.trafficBackMs === null ? 'traffic not restored' : formatDuration(facts.rollback.trafficBackMs)}`,
    '',
    '## Remediation Steps',
    ...run.steps.filter((step) => step.stepId.startsWith('rollback')).map((step) => `- ${step.name}: ${step.ok ? '✅' : '❌'} ${step.summary}`),
    '',
    '## Prevention Measures',
    '- _to fill in_',
  ].join('\n');
}

function goNoGo(run: Run): string {
  if (!run.decision) return run.spec.requireDecision ? 'none (the run ended before a decision)' : 'not required';
  const votes = run.decision.decision === 'go' && run.approvals.length > 1 ? run.approvals : [run.decision];
  return votes.map(describeDecision).join('; ');
}

/** The downtime the production checks saw (the report's Key Metrics line, and the page's). */
export function downtime(facts: ReportFacts): string {
  if (facts.failedChecks.of === 0) return 'not measured (no production checks ran)';
  if (facts.failedChecks.count === 0) return `none seen: all ${facts.failedChecks.of} production checks passed`;
  return `${facts.failedChecks.count} of ${facts.failedChecks.of} production checks failed, ${facts.failedChecks.firstAt!.slice(11, 19)} → ${facts.failedChecks.lastAt!.slice(11, 19)}`;
}

function value(figure: number | null): string {
  return figure === null ? 'not measured' : String(Math.round(figure * 1000) / 1000);
}

function cell(text: string): string {
  return text.replace(/\|/g, '/').replace(/\n/g, ' ');
}
