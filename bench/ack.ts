import { runPhase, type Check, type Prepared } from './load.ts';
import { printTable, saveJson, withRatios, type Row } from './report.ts';
import { loopDelays, type LoopDelay } from './loop-delay.ts';
import { slashCommand } from './slack-bodies.ts';
import { BENCH_USER, freeTargets, settle, startStack, type Stack } from './stack.ts';

/**
 * The ack path: signed `/deploy start` slash commands at fixed rates, open loop, against Flightdeck serve
 * (with its worker running) and a bare Bolt app that only acks, alternating A B A B at each rate in one
 * run; then the saturation point of each (the lowest rate whose p99 crosses 1 s).
 */

export interface AckSettings {
  rates: number[];
  phaseSeconds: number;
  rounds: number;
  saturation: boolean;
  maxRate: number;
}

export const FLIGHTDECK = 'flightdeck';
export const BARE = 'bare-bolt';
/** The bare app committing one insert before its ack (bench/bare-bolt.ts): the floor of a durable inbox. */
export const INBOX = 'bare-inbox';
const SATURATED_MS = 1_000;

/** A start creates a run ("Run bench-… created"); "already active" or a refusal is an answer, not an error; "Sorry" is an error. */
export const startCheck: Check = (status, body) =>
  status !== 200 || body.includes('Sorry') ? 'error' : /Run \S+ created/.test(body) ? 'accepted' : 'answered';
const bareCheck: Check = (status) => (status === 200 ? 'accepted' : 'error');

/** The starts of one phase, over the services in turn, so most of them find their target free and create a run. */
export function starts(stack: Stack, count: number, offset: number): Prepared[] {
  return Array.from({ length: count }, (_, i) => {
    const service = stack.services[(offset + i) % stack.services.length]!;
    return slashCommand(`start ${service} 1.0.${offset + i}`, BENCH_USER);
  });
}

export interface PhaseSample extends Row {
  serveCpuMsPerRequest?: number;
  workerCpuMsPerRequest?: number;
  /** Every Postgres and Redis process of the machine, and the whole machine (the load generator with them), per request. */
  postgresCpuMsPerRequest?: number;
  redisCpuMsPerRequest?: number;
  machineCpuMsPerRequest?: number;
  /** Event-loop delay while the phase's requests were sent (bench/loop-delay.ts): serve's (or the bare app's) and the worker's. */
  loopDelay?: { serve: LoopDelay; worker?: LoopDelay };
}

/** One phase of `system` at `rate`, with the CPU each process spent on it. */
export async function phase(stack: Stack, system: string, rate: number, seconds: number, offset: number, label?: string): Promise<PhaseSample> {
  await freeTargets(stack);
  await settle(stack);
  const count = Math.max(1, Math.round(rate * seconds));
  const requests = starts(stack, count, offset);
  await loopDelays(stack);
  const before = stack.cpuMs();
  const port = system === FLIGHTDECK ? stack.servePort : system === INBOX ? stack.inboxPort! : stack.barePort;
  // BENCH_PAUSE_WORKER=1: the worker stopped while the phase's requests are sent (its work waits in the outbox), so
  // the ack is measured with serve and Postgres alone; the CPU counted still includes the worker's drain after.
  const pause = process.env.BENCH_PAUSE_WORKER === '1';
  if (pause) stack.pauseWorker(true);
  const result = await runPhase(port, rate, requests, system === FLIGHTDECK ? startCheck : bareCheck).finally(() => pause && stack.pauseWorker(false));
  const delays = await loopDelays(stack);
  // Counted until the work is done: past the phase, serve finishes requests the generator gave up on and the worker drains.
  await settle(stack);
  const after = stack.cpuMs();
  const row: PhaseSample = { system, ...(label ? { label } : {}), ...result };
  if (system === FLIGHTDECK) {
    row.serveCpuMsPerRequest = (after.serve - before.serve) / count;
    row.workerCpuMsPerRequest = (after.worker - before.worker) / count;
    row.loopDelay = { serve: delays.serve, worker: delays.worker };
  } else {
    row.serveCpuMsPerRequest = (after.bare - before.bare) / count;
    row.loopDelay = { serve: delays.bare };
  }
  row.postgresCpuMsPerRequest = (after.postgres - before.postgres) / count;
  row.redisCpuMsPerRequest = (after.redis - before.redis) / count;
  row.machineCpuMsPerRequest = (after.machine - before.machine) / count;
  const cpu =
    `cpu ${row.serveCpuMsPerRequest.toFixed(2)} ms/req${row.workerCpuMsPerRequest !== undefined ? `, worker ${row.workerCpuMsPerRequest.toFixed(2)}` : ''}` +
    `, postgres ${row.postgresCpuMsPerRequest.toFixed(2)}, redis ${row.redisCpuMsPerRequest.toFixed(2)}, machine ${row.machineCpuMsPerRequest.toFixed(2)}`;
  const loop = (name: string, delay: LoopDelay | undefined) =>
    delay ? `, ${name} loop delay p99 ${delay.p99Ms.toFixed(1)} max ${delay.maxMs.toFixed(1)} ms` : '';
  console.log(
    `  ${system.padEnd(10)} ${String(rate).padStart(5)}/s ${label ?? ''}: p99 ${result.p99.toFixed(1)} ms (send lag p99 ${result.sendLagP99.toFixed(1)}, max ${result.sendLagMax.toFixed(1)}), errors ${result.errors}, accepted ${result.accepted}/${count}, ${cpu}` +
      loop(system === FLIGHTDECK ? 'serve' : 'its', row.loopDelay.serve) +
      loop('worker', row.loopDelay.worker),
  );
  return row;
}

/** Doubles the rate from `from` until p99 crosses 1 s or a tenth fail (or `maxRate`), then narrows the gap twice. */
async function saturation(stack: Stack, system: string, from: number, maxRate: number, seconds: number, next: () => number) {
  const tried: PhaseSample[] = [];
  let good = 0;
  let bad: number | null = null;
  for (let rate = from; rate <= maxRate; rate *= 2) {
    const row = await phase(stack, system, rate, seconds, next(), 'saturation');
    tried.push(row);
    if (row.p99 > SATURATED_MS || row.errors > row.count / 10) {
      bad = rate;
      break;
    }
    good = rate;
  }
  for (let i = 0; i < 2 && bad !== null && bad - good > from / 4; i++) {
    const rate = Math.round((good + bad) / 2);
    const row = await phase(stack, system, rate, seconds, next(), 'saturation');
    tried.push(row);
    if (row.p99 > SATURATED_MS || row.errors > row.count / 10) bad = rate;
    else good = rate;
  }
  return { system, lastBelow: good, firstAbove: bad, tried };
}

/**
 * Warm-up, not counted: the first requests compile code paths (V8 optimizes a function after many calls). 20/s for
 * 3 s unless BENCH_WARMUP=<rate>x<seconds> says otherwise.
 */
export async function warmUp(stack: Stack, next: () => number): Promise<void> {
  const [rate, seconds] = (process.env.BENCH_WARMUP ?? '20x3').split('x').map(Number);
  for (const system of [FLIGHTDECK, BARE]) await phase(stack, system, rate!, seconds!, next(), 'warm-up');
}

export async function ackBench(settings: AckSettings): Promise<void> {
  const services = Math.max(...settings.rates) * settings.phaseSeconds + 100;
  console.log(`ack path: ${services} services, rates ${settings.rates.join(', ')}/s, ${settings.phaseSeconds} s phases, ${settings.rounds} rounds A B`);
  const stack = await startStack({ services });
  let offset = 0;
  const next = () => (offset += 100_000);
  try {
    await warmUp(stack, next);
    const rows: PhaseSample[] = [];
    for (let round = 0; round < settings.rounds; round++)
      for (const rate of settings.rates)
        for (const system of [FLIGHTDECK, BARE]) rows.push(await phase(stack, system, rate, settings.phaseSeconds, next(), `round ${round + 1}`));
    const merged = withRatios(rows, BARE);
    printTable('/deploy start, open loop (p99 ratio: against the bare Bolt app in the same round)', merged);
    const saturations = [];
    if (settings.saturation) {
      const from = settings.rates[0]!;
      for (const system of [FLIGHTDECK, BARE]) saturations.push(await saturation(stack, system, from, settings.maxRate, settings.phaseSeconds, next));
      for (const found of saturations)
        console.log(
          `saturation (${found.system}): p99 ≤ 1 s at ${found.lastBelow || '—'}/s${found.firstAbove ? `, > 1 s at ${found.firstAbove}/s` : ` (not reached by ${settings.maxRate}/s)`}`,
        );
    }
    console.log(`→ ${saveJson('ack', { settings, rows: merged, saturations })}`);
  } finally {
    await stack.stop();
  }
}
