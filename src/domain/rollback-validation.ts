import { breachingNow, unmeasurable, type Sample } from './assess.ts';
import { describeReadings, describeVersions } from './readings-text.ts';
import type { RollbackStatus, RollbackValidation, Run, StepRecord } from './run-types.ts';
import type { RollbackOutcome } from './strategies/index.ts';

/**
 * The seeds' Rollback Validation, pure: after a rollback level's steps, is production back where the level
 * says (the previous version, or this run's build with its feature off)? SUCCESS needs the last check of
 * the window clean — the health check passing, no trigger's condition holding, every metric measured, every
 * version-probe request answered by the expected version — and every check step of the level passed.
 * FAILED: production does not answer as expected (health failing, another version or none answering, a
 * rollback step failed). PARTIAL: the expected version answers and is healthy, but a metric is still over
 * its limit or unmeasured, a smoke test failed, or nothing in the plan could check production.
 */

/** How many checks of a validation window the run keeps (the message shows the last). */
export const VALIDATION_SAMPLES_KEPT = 10;

type Problem = { text: string; severity: 'failed' | 'partial' };

/** The version that should answer once a level of the rollback is done; null: nothing served before the run. */
export function expectedVersion(run: Run, outcome: RollbackOutcome): string | null {
  return outcome === 'feature_off' ? run.version : run.previousVersion;
}

/** What one validation check says about production: what is still wrong, and what it showed to be right. */
export function judgeCheck(run: Run, validation: RollbackValidation, sample: Sample): { problems: Problem[]; evidence: string[] } {
  const problems: Problem[] = [];
  const evidence: string[] = [];
  // Nothing served before a first deployment: gone is all a rollback can restore, so health and metrics are not judged.
  const nothingBefore = validation.expected === null;
  if (run.spec.monitoring && !nothingBefore) {
    if (sample.healthy) evidence.push('health check passing');
    else problems.push({ text: `health check failing: ${sample.detail}`, severity: 'failed' });
    const over = breachingNow(sample, run.spec.triggers, run.baselines).map((trigger) => trigger.text);
    const unmeasured = unmeasurable(sample, run.spec.triggers, run.baselines);
    const readings = describeReadings(sample, run.spec.triggers, run.baselines);
    if (over.length) problems.push({ text: `still over the limit: ${over.join('; ')} (${readings.join(', ')})`, severity: 'partial' });
    else if (unmeasured.length) problems.push({ text: `${unmeasured.join(', ')} could not be measured`, severity: 'partial' });
    else if (readings.length) evidence.push(readings.join(', '));
  }
  if (sample.versions) {
    const wrong = versionProblems(run, validation, sample);
    if (wrong.length) problems.push(...wrong);
    else evidence.push(describeVersions(sample.versions));
  }
  return { problems, evidence };
}

function versionProblems(run: Run, validation: RollbackValidation, sample: Sample): Problem[] {
  const tally = sample.versions!;
  if (validation.expected === null) {
    const still = tally.answered[run.version] ?? 0;
    return still ? [{ text: `${run.version} still answers: ${describeVersions(tally)}`, severity: 'failed' }] : [];
  }
  const right = tally.answered[validation.expected] ?? 0;
  return right === tally.requests ? [] : [{ text: `not every request answered ${validation.expected}: ${describeVersions(tally)}`, severity: 'failed' }];
}

/** The level's status once its window is over (or at once, when nothing could be checked every so often). */
export function levelStatus(
  run: Run,
  validation: RollbackValidation,
  levelSteps: StepRecord[],
): { status: RollbackStatus; problems: string[]; evidence: string[] } {
  const last = validation.checks.at(-1);
  const judged = last ? judgeCheck(run, validation, last) : { problems: [], evidence: [] };
  const problems: Problem[] = [...judged.problems];
  const evidence = [...judged.evidence];
  const failedChecks = levelSteps.filter((record) => !record.ok);
  for (const record of failedChecks) problems.push({ text: `${record.name} failed: ${record.summary}`, severity: 'partial' });
  const passedChecks = levelSteps.filter((record) => record.ok);
  if (passedChecks.length) evidence.push(`${passedChecks.map((record) => record.name).join(', ')} passed`);
  if (!last && !levelSteps.length)
    problems.push({
      text: 'nothing in the plan checks production after a rollback (no monitoring check, smoke test or rollback.validation.version)',
      severity: 'partial',
    });
  // Nothing served before a first deployment: only a version probe can tell that this version no longer answers.
  else if (validation.expected === null && !run.spec.versionProbe)
    problems.push({
      text: `there was no version before this run, and without rollback.validation.version nothing can tell that ${run.version} no longer answers`,
      severity: 'partial',
    });
  const status: RollbackStatus = problems.some((problem) => problem.severity === 'failed') ? 'FAILED' : problems.length ? 'PARTIAL' : 'SUCCESS';
  return { status, problems: problems.map((problem) => problem.text), evidence: status === 'SUCCESS' ? evidence : [] };
}
