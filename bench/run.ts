/**
 * `npm run bench` runs every part; `npm run bench -- <part> [<part> …]` runs those. Each part starts real
 * processes on real Postgres (DATABASE_URL, a server: a fresh database is created and dropped) and Redis
 * (REDIS_URL), prints a table and writes bench/results/<part>-<time>.json. Settings from the environment:
 *   BENCH_RATES=50,100,200,400  BENCH_PHASE_S=4  BENCH_ROUNDS=2  BENCH_SATURATION=1  BENCH_MAX_RATE=3200
 *   BENCH_PAUSE_WORKER=1 (`ack`: the worker stopped during each phase, to see what it costs the ack)  BENCH_TIMELINE=dir (each phase's requests as JSON lines)  BENCH_WARMUP=20x3 (rate x seconds, not counted)
 *   BENCH_GO_RUNS=200 (`go`: runs awaiting a decision, clicked in turn)
 *   BENCH_INSIGHT=0,100000 and BENCH_INSIGHT_SERVICES=50 (`insight`: /deploy history and stats with that many runs stored)
 *   BENCH_HISTORY=0,100000,1000000 and BENCH_HISTORY_RATE=200 (`history`: stored runs, the rate measured at each)  BENCH_VERBOSE=1 (the processes' logs)
 *   BENCH_MONITORED=10000 and BENCH_MONITOR_MINUTES=3 (`monitoring`: runs one worker keeps in monitoring, checked every
 *   minute against a local health endpoint; check lateness, lost or doubled checks, relay lag, the worker's memory per run)
 *   BENCH_ROLLBACK_REPS=3, BENCH_ROLLBACK_STRATEGIES=blue-green,rolling,canary,feature-flag, BENCH_ROLLBACK_EVERY_MS=1000 (checks),
 *   BENCH_ROLLBACK_WINDOW_MS=2000 (the trigger's window), BENCH_ROLLBACK_WATCH_MS=20000 (monitoring, the canary's hold)
 *   `teams` takes the ack settings (BENCH_RATES, BENCH_PHASE_S, BENCH_ROUNDS).
 *   BENCH_INBOX_RATE=200 (`inbox`: the bare app with and without a durable inbox row before its ack; BENCH_PHASE_S, BENCH_ROUNDS=3)
 * Last measured (2 shared cores, load average 5–19; docs/DESIGN.md "Speed" has the tables):
 *   rollback, ms from the trigger's window complete to traffic back (observed through the demo's router), p50 / max:
 *   blue-green 2303 / 4155 (goal ≤ 5 s), canary 4129 / 4502, feature flag 3466 / 7372, rolling 12784 / 17179;
 *   Flightdeck's own part (rollback started → undo step started) 104–422 ms, the rest is the check interval and the undo command.
 *   teams (before the reference write was skipped), p99 against the bare botbuilder app: 50/s 423 vs 17 ms, 100/s 290 vs 27 ms, 200/s 4.5 s vs 159 ms (load 5–6);
 *   serve 6–9 ms CPU per message, the bare app 2.5–3.4.
 */
import { ackBench } from './ack.ts';
import { domainBench } from './domain.ts';
import { goBench } from './go.ts';
import { historyBench } from './history.ts';
import { inboxBench } from './inbox.ts';
import { insightBench } from './insight.ts';
import { monitoringBench } from './monitoring.ts';
import { rollbackBench } from './rollback.ts';
import { STRATEGIES, type Strategy } from './rollback-stage.ts';
import { statementsBench } from './statements.ts';
import { teamsBench } from './teams.ts';

const numbers = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);
const ackSettings = () => ({
  rates: numbers(process.env.BENCH_RATES, [50, 100, 200, 400]),
  phaseSeconds: Number(process.env.BENCH_PHASE_S ?? 4),
  rounds: Number(process.env.BENCH_ROUNDS ?? 2),
  saturation: process.env.BENCH_SATURATION !== '0',
  maxRate: Number(process.env.BENCH_MAX_RATE ?? 3200),
});

const PARTS: Record<string, () => Promise<void>> = {
  domain: domainBench,
  insight: () => insightBench({ levels: numbers(process.env.BENCH_INSIGHT, [0, 100_000]), services: Number(process.env.BENCH_INSIGHT_SERVICES ?? 50) }),
  statements: statementsBench,
  ack: () => ackBench(ackSettings()),
  teams: () => teamsBench(ackSettings()),
  go: () => goBench({ ...ackSettings(), runs: Number(process.env.BENCH_GO_RUNS ?? 200) }),
  inbox: () =>
    inboxBench({
      rate: Number(process.env.BENCH_INBOX_RATE ?? 200),
      phaseSeconds: Number(process.env.BENCH_PHASE_S ?? 4),
      rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    }),
  history: () =>
    historyBench({
      levels: numbers(process.env.BENCH_HISTORY, [0, 100_000, 1_000_000]),
      rate: Number(process.env.BENCH_HISTORY_RATE ?? 200),
      phaseSeconds: Number(process.env.BENCH_PHASE_S ?? 4),
    }),
  monitoring: () => monitoringBench({ runs: Number(process.env.BENCH_MONITORED ?? 10_000), minutes: Number(process.env.BENCH_MONITOR_MINUTES ?? 3) }),
  rollback: () =>
    rollbackBench({
      repetitions: Number(process.env.BENCH_ROLLBACK_REPS ?? 3),
      strategies: (process.env.BENCH_ROLLBACK_STRATEGIES?.split(',') as Strategy[] | undefined) ?? [...STRATEGIES],
      pace: {
        everyMs: Number(process.env.BENCH_ROLLBACK_EVERY_MS ?? 1_000),
        windowMs: Number(process.env.BENCH_ROLLBACK_WINDOW_MS ?? 2_000),
        watchMs: Number(process.env.BENCH_ROLLBACK_WATCH_MS ?? 20_000),
      },
    }),
};

const asked = process.argv.slice(2).filter((arg) => arg !== '--');
const unknown = asked.filter((part) => !(part in PARTS));
if (unknown.length > 0) {
  console.error(`unknown part ${unknown.join(', ')}: the parts are ${Object.keys(PARTS).join(', ')}`);
  process.exit(2);
}
for (const part of asked.length > 0 ? asked : Object.keys(PARTS)) await PARTS[part]!();
// Keep-alive sockets and the pools would hold the process open.
process.exit(0);
