import { formatDuration } from './duration.ts';
import { describeReadiness } from './readiness.ts';
import { describeDecision, stateLabel, type Run } from './run.ts';
import { whatServes } from './rollback-end.ts';

/** The deployment report of the seed documents, in markdown, from a run's record. */
export function deploymentReport(run: Run): string {
  const status =
    run.state === 'succeeded'
      ? '✅ SUCCESS'
      : run.state === 'rolled_back'
        ? '🔴 ROLLED BACK'
        : run.finishedAt
          ? `❌ ${stateLabel(run.state).toUpperCase()}`
          : `⏳ IN PROGRESS (${stateLabel(run.state)})`;
  const duration = run.finishedAt ? formatDuration(Date.parse(run.finishedAt) - Date.parse(run.requestedAt)) : 'in progress';
  const lines = [
    `# Deployment Report: ${run.service} ${run.version} (${run.key})`,
    '',
    `**Deployment Status**: ${status}`,
    `**Environment**: ${run.environment} · **Strategy**: ${run.spec.strategy}`,
    `**Rollback Executed**: ${run.rollback ? 'YES' : 'NO'}`,
    `**Deployment Duration**: ${duration}`,
    `**Readiness**: ${run.readiness ? describeReadiness(run.readiness) : 'no prerequisites in the plan'}`,
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
    '',
    '## Deployment Timeline',
    '| Time | Event | Status |',
    '|------|-------|--------|',
    ...run.steps.map((step) => `| ${step.finishedAt.slice(11, 19)} | ${step.name} | ${step.ok ? '✅' : '❌'} ${step.summary.replace(/\|/g, '/')} |`),
  ];
  if (run.samples.length) {
    lines.push(
      '',
      '## Monitoring',
      ...run.samples.map((sample) => `- check ${sample.seq} (${sample.at.slice(11, 19)}): ${sample.healthy ? '✅' : '❌'} ${sample.detail}`),
    );
  }
  if (run.rollback) {
    lines.push('', '## Rollback', `- Reason: ${run.rollback.reason}`);
    if (run.rollback.trafficRestoredAt)
      lines.push(`- Traffic back on the old version after: ${formatDuration(Date.parse(run.rollback.trafficRestoredAt) - Date.parse(run.rollback.startedAt))}`);
    if (run.rollback.finishedAt) lines.push(`- Took: ${formatDuration(Date.parse(run.rollback.finishedAt) - Date.parse(run.rollback.startedAt))}`);
    for (const validation of run.rollback.validations) {
      const found = validation.status === 'SUCCESS' ? `${whatServes(run)}: ${validation.evidence.join('; ')}` : validation.problems.join('; ');
      lines.push(
        `- **Rollback Status**${run.rollback.validations.length > 1 ? ` (level ${validation.level + 1}, ${validation.outcome === 'feature_off' ? 'feature off' : 'previous version'})` : ''}: ${validation.status ?? 'validating'}${found ? ` — ${found}` : ''}`,
      );
    }
  }
  return lines.join('\n');
}

/** The decision, with every GO of a quorum ("GO by bob at 14:02 UTC; GO by carol at 14:05 UTC"). */
function goNoGo(run: Run): string {
  if (!run.decision) return run.spec.requireDecision ? 'none (the run ended before a decision)' : 'not required';
  const votes = run.decision.decision === 'go' && run.approvals.length > 1 ? run.approvals : [run.decision];
  return votes.map(describeDecision).join('; ');
}
