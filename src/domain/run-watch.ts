import { assess, breachingNow, readingOf, samplesNeeded, type Sample } from './assess.ts';
import { formatDuration } from './duration.ts';
import type { Effect } from './effects.ts';
import { mayPromote, mayRollback } from './policy.ts';
import { checkSlot, currentStep, enterPhase, startStep, type Moved } from './run-flow.ts';
import { onValidationCheck, rollBack } from './run-rollback.ts';
import { pageFor } from './page-causes.ts';
import { describeReadings } from './readings-text.ts';
import { fail, ok, stateLabel, type Run, type RunEvent, type StepRecord, type TransitionResult } from './run-types.ts';

/**
 * Checks while production is watched — a canary hold, the final monitoring, a paused run — and the
 * humans' answers to them: promote or hold a canary step, resume a paused run.
 */

export function onCheck(run: Run, event: Extract<RunEvent, { type: 'check' }>, at: string): TransitionResult {
  if (run.state === 'validating_rollback') return onValidationCheck(run, event, at);
  const monitoring = run.spec.monitoring;
  const watch = run.watch;
  if (!monitoring || !watch || event.seq !== run.nextCheck) {
    return fail('stale', `Check ${event.seq} is not due on ${run.key}.`);
  }
  const sample: Sample = { seq: event.seq, at, healthy: event.healthy, detail: event.detail, ...(event.readings?.length ? { readings: event.readings } : {}) };
  const fastest = Math.min(...[...monitoring.schedule, ...watch.schedule].map((pace) => pace.everyMs));
  const sampled: Run = { ...run, samples: [...run.samples, sample].slice(-samplesNeeded(run.spec.triggers, fastest)), nextCheck: event.seq + 1 };
  const verdict = assess(sampled.samples, run.spec.triggers, run.baselines);

  if (verdict.kind === 'breach') {
    const reason = `trigger "${verdict.trigger.text}" fired (${describeBreach(verdict)})`;
    return moved(rollBack(sampled, reason, null, verdict.trigger.text, verdict.evidence, at), [
      { kind: 'postLog', text: `🚨 ${reason}` },
      { kind: 'refreshStatus' },
    ]);
  }
  const log: Effect[] = [];
  if (!event.healthy) log.push({ kind: 'postLog', text: `⚠️ Health check ${event.seq} failed: ${event.detail}` });
  if (verdict.kind === 'inconclusive')
    log.push({ kind: 'postLog', text: `❔ Check ${event.seq} inconclusive: ${verdict.metrics.join(', ')} could not be measured` });

  if (verdict.kind === 'inconclusive' && verdict.streak >= monitoring.inconclusive.after && run.state !== 'paused') {
    const reason = `monitoring inconclusive for ${verdict.streak} checks in a row (${verdict.metrics.join(', ')} could not be measured)`;
    if (monitoring.inconclusive.then === 'rollback') {
      return moved(rollBack(sampled, reason, null, null, sampled.samples.slice(-verdict.streak), at), [
        { kind: 'postLog', text: `🚨 ${reason}` },
        { kind: 'refreshStatus' },
      ]);
    }
    const paused: Run = { ...sampled, state: 'paused', paused: { at, reason, resumeTo: run.state } };
    return ok(paused, [
      ...log,
      { kind: 'postLog', text: `⏸️ Paused: ${reason}. Resume with /deploy resume ${run.key}, or roll back.` },
      { kind: 'refreshStatus' },
      ...pageFor(
        paused,
        'paused',
        `${run.key} (${run.service} ${run.version} in ${run.environment}) is paused for a human: ${reason}. Resume with /deploy resume ${run.key}, or roll back.`,
      ),
      checkSlot(paused, paused.nextCheck),
    ]);
  }

  // A window ends on a healthy check: conclusive, and no trigger's condition holding (even if not yet for its whole window).
  const clean = verdict.kind === 'healthy' && event.healthy && breachingNow(sample, run.spec.triggers, run.baselines).length === 0;
  const windowDone = event.seq >= watch.firstSeq + watch.checks - 1 && clean;
  if (windowDone && (run.state === 'monitoring' || run.state === 'verifying')) {
    if (!watch.stepId) return moved(enterPhase({ ...sampled, watch: null }, 'finalize', at), []);
    return holdDone(sampled, at);
  }
  return ok(sampled, [...log, checkSlot(sampled, sampled.nextCheck)]);
}

/** A canary hold watched healthily for its whole window: move on by itself, or ask a human. */
function holdDone(run: Run, at: string): TransitionResult {
  const step = currentStep(run)!;
  const checks = run.nextCheck - run.watch!.firstSeq;
  const record: StepRecord = {
    stepId: step.id,
    name: step.name,
    ok: true,
    startedAt: run.cursor!.startedAt ?? at,
    finishedAt: at,
    summary: `${checks} checks healthy`,
  };
  const held: Run = { ...run, steps: [...run.steps, record] };
  if (step.action.kind === 'hold' && step.action.promotion === 'manual') {
    const waiting: Run = { ...held, state: 'awaiting_promotion' };
    const latest = run.samples.at(-1);
    const readings = latest ? describeReadings(latest, run.spec.triggers, run.baselines) : [];
    return ok(waiting, [
      {
        kind: 'postLog',
        text: `✅ ${step.name}: ${record.summary}${readings.length ? ` — last check: ${readings.join(', ')}` : ''}. Canary looks healthy. Increase traffic? (Promote / Hold / Roll back)`,
      },
      { kind: 'refreshStatus' },
      checkSlot(waiting, waiting.nextCheck),
    ]);
  }
  return moved(leaveWatch(held, at), [{ kind: 'postLog', text: `✅ ${step.name}: ${record.summary}` }]);
}

/** Moves past the hold step; a check already queued for the window is abandoned (its seq is skipped). */
function leaveWatch(run: Run, at: string): Moved {
  return startStep({ ...run, watch: null }, 'deploy', run.cursor!.index + 1, at);
}

export function onPromotion(run: Run, event: Extract<RunEvent, { type: 'promotion' }>, at: string): TransitionResult {
  const permission = mayPromote(run.spec, event.by);
  if (!permission.allowed) return fail('forbidden', permission.reason);
  const step = currentStep(run)!;
  const skipped: Run = { ...run, nextCheck: run.nextCheck + 1 };
  if (event.action === 'promote') {
    return moved(leaveWatch(skipped, at), [
      { kind: 'postLog', text: `⏩ Promoted by ${event.by.name} after ${step.name.toLowerCase()}` },
      { kind: 'refreshStatus' },
    ]);
  }
  const watch = { ...run.watch!, since: at, firstSeq: skipped.nextCheck };
  const holding: Run = { ...skipped, state: 'verifying', watch, cursor: { ...run.cursor!, startedAt: at } };
  return ok(holding, [
    { kind: 'postLog', text: `⏸️ Held by ${event.by.name}: ${step.name.toLowerCase()} again` },
    { kind: 'refreshStatus' },
    checkSlot(holding, holding.nextCheck),
  ]);
}

export function onResume(run: Run, event: Extract<RunEvent, { type: 'resume' }>, at: string): TransitionResult {
  if (!run.paused) return fail('not_allowed', `${run.key} is not paused (it is ${stateLabel(run.state)}).`);
  const permission = mayRollback(run.spec, event.by);
  if (!permission.allowed) return fail('forbidden', permission.reason.replace('roll back', 'resume'));
  // The inconclusive streak starts again: the human has looked and accepted the gap in the data.
  const resumed: Run = { ...run, state: run.paused.resumeTo, paused: null, samples: [] };
  const why = event.reason ? `: ${event.reason}` : '';
  return ok(resumed, [
    { kind: 'postLog', text: `▶️ Resumed by ${event.by.name} after ${formatDuration(Date.parse(at) - Date.parse(run.paused.at))}${why}` },
    { kind: 'refreshStatus' },
  ]);
}

/** "error_rate was 20%, 21% (> 5%) for 5m" — the numbers a rollback message must show. */
export function describeBreach(verdict: Extract<ReturnType<typeof assess>, { kind: 'breach' }>): string {
  const { trigger, evidence, heldMs } = verdict;
  // The details of failing checks are long and alike: say how many, and quote the last one once.
  if (trigger.kind === 'health_failing')
    return `${evidence.length} checks failed in a row over ${formatDuration(heldMs)}; the last: ${evidence.at(-1)?.detail ?? 'no detail'}`;
  const values = evidence.map((sample) => readingOf(sample, trigger.metric)?.value).filter((value): value is number => typeof value === 'number');
  const shown = (value: number) => (trigger.kind === 'threshold' && trigger.percent ? `${+(value * 100).toFixed(2)}%` : `${+value.toPrecision(4)}`);
  const limit = verdict.limit === null ? '' : ` (${trigger.op} ${shown(verdict.limit)}${trigger.kind === 'baseline' ? ` = baseline × ${trigger.factor}` : ''})`;
  return `${trigger.metric} was ${values.map(shown).join(', ')}${limit} for ${formatDuration(heldMs)}`;
}

function moved(result: Moved, before: Effect[]): TransitionResult {
  return ok(result.run, [...before, ...result.effects]);
}
