/**
 * `npm run bench`: figures for the paths that must stay fast, each next to a baseline measured in
 * the same process on the same machine, so the ratio means something wherever it runs.
 *  1. The chat ack path: `/deploy start` → run + event + outbox in one transaction (PGlite, or
 *     DATABASE_URL), against a baseline of one bare insert transaction on the same database.
 *  2. The domain: transitions per second through a whole run, against a baseline of cloning the run.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { onCommand } from '../src/app/on-command.ts';
import { transition, type Run, type RunEvent } from '../src/domain/run.ts';
import { specFor } from '../src/domain/spec.ts';
import { catalogOf, loadPlanFile } from '../src/plans/catalog.ts';
import { PROJECT_ROOT } from '../src/runtime.ts';
import { openDatabase } from '../src/store/db.ts';

async function time(label: string, iterations: number, body: (i: number) => Promise<void> | void): Promise<number> {
  for (let i = 0; i < Math.min(20, iterations); i++) await body(-1 - i); // warm-up
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await body(i);
  const perOpUs = Number(process.hrtime.bigint() - started) / 1_000 / iterations;
  console.log(`  ${label.padEnd(46)} ${perOpUs.toFixed(1).padStart(10)} µs/op  (${iterations} ops)`);
  return perOpUs;
}

async function ackPath() {
  const plan = await loadPlanFile(join(PROJECT_ROOT, 'plans/demo.yaml'));
  const database = await openDatabase({ url: process.env.DATABASE_URL });
  await database.migrate();
  await database.db.execute(sql`create temporary table if not exists bench_baseline (id uuid primary key, body jsonb)`);
  const ctx = {
    db: database.db,
    plans: catalogOf([{ ...plan, service: 'bench' }]),
    clock: { now: () => new Date() },
    log: pino({ level: 'silent' }),
    kickRelay() {},
  };
  console.log(`ack path (${database.kind})`);
  const baseline = await time('baseline: one insert transaction', 300, async () => {
    await database.db.transaction(async (tx) => void (await tx.execute(sql`insert into bench_baseline values (${randomUUID()}, '{}'::jsonb)`)));
  });
  const start = await time('/deploy start → run + event + outbox, then cancel', 300, async () => {
    const reply = await onCommand(ctx, { actor: { platform: 'slack', id: 'U0DEMOALICE', name: 'alice' }, text: 'start bench 1.0.0', requestKey: null });
    if (reply.kind !== 'text' || !reply.text.includes('created')) throw new Error(`start failed: ${JSON.stringify(reply)}`);
    const key = /Run (\S+) created/.exec(reply.text)![1];
    await onCommand(ctx, { actor: { platform: 'slack', id: 'U0DEMOALICE', name: 'alice' }, text: `cancel ${key}`, requestKey: null });
  });
  console.log(`  → a start+cancel costs ${(start / baseline).toFixed(1)}× a bare insert transaction`);
  await database.close();
}

async function domain() {
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

await domain();
await ackPath();
