import { saveJson } from './report.ts';
import { demoService, metricStandIn, Poller, restoredAt, rollbackPlan, STRATEGIES, type Pace, type Strategy } from './rollback-stage.ts';
import { slashCommand } from './slack-bodies.ts';
import { BENCH_USER, startStack, type Stack } from './stack.ts';

/**
 * Rollback time per strategy, on real processes: serve and worker, the demo service run by its ctl script as
 * the plan's steps, Prometheus stood in for by a server whose error rate the bench breaks at a known moment
 * (T0). The trigger is `error_rate > 5% for <window>`, so its window is complete at T0 + window. From then:
 * the rollback's start is read from the run record; traffic back on the previous version is observed from
 * outside, by a poller asking production through the router (for a feature flag: the feature off).
 */

export interface RollbackSettings {
  repetitions: number;
  strategies: Strategy[];
  pace: Pace;
}

interface Snapshot {
  state: string;
  steps: { stepId: string; startedAt: string; finishedAt: string; ok: boolean }[];
  rollback: { startedAt: string; evidence: { at: string }[]; validations: { status: string | null }[] } | null;
}

export interface Measurement {
  strategy: Strategy;
  key: string;
  state: string;
  /** ms from the trigger's window complete (T0 + window) to … */
  rollbackStarted: number;
  trafficRestored: number | null;
  /** The parts of `rollbackStarted → trafficRestored`: to the first undo step's start (queue and relay), that step's command, and so on. */
  firstBreachCheck: number;
  undoStarted: number | null;
  undoFinished: number | null;
}

const WATCHED: Record<Strategy, string> = { 'blue-green': 'monitoring', rolling: 'monitoring', canary: 'verifying', 'feature-flag': 'monitoring' };
const TERMINAL = ['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function start(stack: Stack, text: string): Promise<string> {
  const prepared = slashCommand(text, BENCH_USER);
  const response = await fetch(`http://127.0.0.1:${stack.servePort}${prepared.path}`, { method: 'POST', headers: prepared.headers, body: prepared.body });
  const answer = await response.text();
  const key = /Run (\S+) created/.exec(answer)?.[1];
  if (!key) throw new Error(`/deploy ${text} answered ${response.status}: ${answer}`);
  return key;
}

async function runOf(stack: Stack, key: string): Promise<{ id: string; snapshot: Snapshot }> {
  const { rows } = await stack.db.query<{ id: string; snapshot: Snapshot }>('select id, snapshot from runs where key = $1', [key]);
  if (!rows[0]) throw new Error(`no run ${key}`);
  return rows[0];
}

async function reaching(stack: Stack, key: string, states: string[], timeoutMs = 120_000): Promise<Snapshot> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { snapshot } = await runOf(stack, key);
    if (states.includes(snapshot.state)) return snapshot;
    if (TERMINAL.includes(snapshot.state)) throw new Error(`${key} ended ${snapshot.state} before reaching ${states.join('/')}`);
    await sleep(50);
  }
  throw new Error(`${key} did not reach ${states.join('/')} in ${timeoutMs} ms`);
}

async function ended(stack: Stack, key: string, timeoutMs = 120_000): Promise<Snapshot> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const { snapshot } = await runOf(stack, key);
    if (TERMINAL.includes(snapshot.state)) return snapshot;
    await sleep(50);
  }
  throw new Error(`${key} did not end in ${timeoutMs} ms`);
}

export async function rollbackBench(settings: RollbackSettings): Promise<void> {
  const { pace } = settings;
  console.log(
    `rollback: ${settings.repetitions} repetitions of ${settings.strategies.join(', ')}; checks every ${pace.everyMs} ms, trigger window ${pace.windowMs} ms`,
  );
  const demo = await demoService();
  const poller = new Poller(demo.port);
  const prometheus = await metricStandIn(poller);
  const stack = await startStack({
    services: 1,
    plan: (service) => rollbackPlan(service, pace),
    env: { ...demo.env, PROMETHEUS_URL: prometheus.url },
  });
  const service = stack.services[0]!;
  const measurements: Measurement[] = [];
  try {
    const base = await start(stack, `start ${service} 1.0.0`);
    const first = await ended(stack, base);
    if (first.state !== 'succeeded') throw new Error(`the first deployment (${base}) ended ${first.state}`);
    let minor = 0;
    for (let repetition = 1; repetition <= settings.repetitions; repetition++)
      for (const strategy of settings.strategies) {
        const version = `1.${++minor}.0`;
        const key = await start(stack, `start ${service} ${version} --strategy ${strategy}`);
        poller.isNew = strategy === 'feature-flag' ? (body) => body.flagOn === true : (body) => body.version !== '1.0.0';
        await reaching(stack, key, [WATCHED[strategy]]);
        poller.start();
        // Away from the check slots by a random part of an interval, as a real breach would be.
        await sleep(1_500 + Math.random() * pace.everyMs);
        if (!poller.recent(20).some((answer) => answer.bad)) throw new Error(`${key}: production does not serve ${version} while it is watched`);
        const t0 = Date.now();
        prometheus.breach(true);
        const done = await ended(stack, key);
        await sleep(300);
        const answers = await poller.stop();
        prometheus.breach(false);
        const windowComplete = t0 + pace.windowMs;
        const since = (iso: string | undefined) => (iso ? Date.parse(iso) - windowComplete : null);
        const undo = done.steps.filter((step) => step.stepId.startsWith('rollback.'));
        const restored = restoredAt(answers, t0);
        const measurement: Measurement = {
          strategy,
          key,
          state: done.state,
          rollbackStarted: since(done.rollback?.startedAt) ?? NaN,
          trafficRestored: restored === null ? null : restored - windowComplete,
          firstBreachCheck: since(done.rollback?.evidence[0]?.at) ?? NaN,
          undoStarted: since(undo[0]?.startedAt),
          undoFinished: since(undo.at(-1)?.finishedAt),
        };
        measurements.push(measurement);
        const shown = (value: number | null) => (value === null || !Number.isFinite(value) ? '—' : `${value} ms`);
        console.log(
          `  ${strategy.padEnd(12)} ${key}: ${done.state}; from the window complete: first breaching check ${shown(measurement.firstBreachCheck)}, rollback started ${shown(measurement.rollbackStarted)}, undo step started ${shown(measurement.undoStarted)}, traffic restored ${shown(measurement.trafficRestored)}, undo steps finished ${shown(measurement.undoFinished)}`,
        );
        // A flag's rollback leaves its build serving with the feature off: take it out, as its undeploy step would, so 1.0.0 serves the next run.
        if (strategy === 'feature-flag' && done.state === 'rolled_back') {
          const { id } = await runOf(stack, key);
          demo.ctl('switch-back', { FLIGHTDECK_RUN_ID: id, FLIGHTDECK_VERSION: version, FLIGHTDECK_PREVIOUS_VERSION: '1.0.0' });
        }
      }
    printRollbackTable(measurements);
    console.log(`→ ${saveJson('rollback', { settings, measurements })}`);
  } finally {
    await stack.stop();
    demo.stop();
    await new Promise<void>((resolve) => prometheus.server.close(() => resolve()));
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
};

function printRollbackTable(measurements: Measurement[]): void {
  console.log('\nRollback time per strategy (ms from the trigger window complete; restored = observed through the router)');
  const header = ['strategy', 'n', 'rolled back', 'started p50', 'started max', 'start→restored p50', 'start→restored max', 'total p50', 'total max'];
  const lines = STRATEGIES.filter((strategy) => measurements.some((m) => m.strategy === strategy)).map((strategy) => {
    const of = measurements.filter((m) => m.strategy === strategy);
    const started = of.map((m) => m.rollbackStarted);
    const restored = of.filter((m) => m.trafficRestored !== null);
    const between = restored.map((m) => m.trafficRestored! - m.rollbackStarted);
    const total = restored.map((m) => m.trafficRestored!);
    const cell = (value: number) => (Number.isFinite(value) ? String(Math.round(value)) : '—');
    return [
      strategy,
      String(of.length),
      String(of.filter((m) => m.state === 'rolled_back').length),
      cell(quantile(started, 0.5)),
      cell(Math.max(...started)),
      cell(quantile(between, 0.5)),
      cell(Math.max(...between)),
      cell(quantile(total, 0.5)),
      cell(Math.max(...total)),
    ];
  });
  const widths = header.map((cell, i) => Math.max(cell.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}
