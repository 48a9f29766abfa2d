/**
 * `npm run bench -- domain`: the domain's cost, next to a baseline measured in the same process, so the
 * ratio means something wherever it runs.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { transition, type Run, type RunEvent } from '../src/domain/run.ts';
import { specFor } from '../src/domain/spec.ts';
import { loadPlanFile } from '../src/plans/catalog.ts';
import { PROJECT_ROOT } from '../src/runtime.ts';

async function time(label: string, iterations: number, body: (i: number) => Promise<void> | void): Promise<number> {
  for (let i = 0; i < Math.min(20, iterations); i++) await body(-1 - i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await body(i);
  const perOpUs = Number(process.hrtime.bigint() - started) / 1_000 / iterations;
  console.log(`  ${label.padEnd(46)} ${perOpUs.toFixed(1).padStart(10)} µs/op  (${iterations} ops)`);
  return perOpUs;
}

/** Transitions per second through a whole run, against cloning the run at each event: the domain is never the bottleneck. */
export async function domainBench() {
  const plan = await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml'));
  const spec = specFor(plan, 'production')!;
  const bob = { platform: 'slack' as const, id: 'U0DEMOBOB', name: 'bob' };
  const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
  const events: RunEvent[] = [
    { type: 'step.started', stepId: 'pre_checks.0' },
    { type: 'step.succeeded', stepId: 'pre_checks.0', summary: 'ok' },
    { type: 'decision', decision: 'go', by: bob, rationale: null },
    ...['deploy.0', 'deploy.1', 'deploy.2'].flatMap((stepId): RunEvent[] => [
      { type: 'step.started', stepId },
      { type: 'step.succeeded', stepId, summary: 'ok' },
    ]),
    ...[1, 2, 3, 4, 5].map((seq): RunEvent => ({ type: 'check', seq, healthy: true, detail: '200' })),
    // Blue-green retires the slot it kept warm.
    { type: 'step.started', stepId: 'finalize.0' },
    { type: 'step.succeeded', stepId: 'finalize.0', summary: 'ok' },
  ];
  const now = new Date();
  const requested: RunEvent = {
    type: 'requested',
    run: { id: randomUUID(), key: 'demo-1', service: 'demo', version: '1.0.0', environment: 'production', platform: 'slack', requestedBy: alice, spec },
  };
  let last: Run | null = null;
  console.log(`domain (${events.length + 1} events per run)`);
  const baseline = await time('baseline: structuredClone(run) per event', 2_000, () => {
    let run = (transition(null, requested, now) as { run: Run }).run;
    for (let i = 0; i < events.length; i++) run = structuredClone(run);
  });
  const whole = await time('transition() through a whole run', 2_000, () => {
    const first = transition(null, requested, now);
    let run = first.ok ? first.run : null;
    for (const event of events) {
      const result = transition(run, event, now);
      if (!result.ok) throw new Error(result.error.message);
      run = result.run;
    }
    last = run;
  });
  if ((last as Run | null)?.state !== 'succeeded') throw new Error('the benchmark run did not succeed');
  console.log(`  → a whole run's transitions cost ${(whole / baseline).toFixed(2)}× cloning the run at each event`);
}
