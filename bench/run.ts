/**
 * `npm run bench` runs every part; `npm run bench -- <part> [<part> …]` runs those. Each part starts real
 * processes on real Postgres (DATABASE_URL, a server: a fresh database is created and dropped) and Redis
 * (REDIS_URL), prints a table and writes bench/results/<part>-<time>.json. Settings from the environment:
 *   BENCH_RATES=50,100,200,400  BENCH_PHASE_S=4  BENCH_ROUNDS=2  BENCH_SATURATION=1  BENCH_MAX_RATE=3200
 *   BENCH_GO_RUNS=200 (`go`: runs awaiting a decision, clicked in turn)
 *   BENCH_INSIGHT=0,100000 and BENCH_INSIGHT_SERVICES=50 (`insight`: /deploy history and stats with that many runs stored)
 *   BENCH_HISTORY=0,100000,1000000 and BENCH_HISTORY_RATE=200 (`history`: stored runs, the rate measured at each)  BENCH_VERBOSE=1 (the processes' logs)
 *   BENCH_MONITORED=10000 and BENCH_MONITOR_MINUTES=3 (`monitoring`: runs one worker keeps in monitoring, checked every
 *   minute against a local health endpoint; check lateness, lost or doubled checks, relay lag, the worker's memory per run)
 */
import { ackBench } from './ack.ts';
import { domainBench } from './domain.ts';
import { goBench } from './go.ts';
import { historyBench } from './history.ts';
import { insightBench } from './insight.ts';
import { monitoringBench } from './monitoring.ts';
import { statementsBench } from './statements.ts';

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
  go: () => goBench({ ...ackSettings(), runs: Number(process.env.BENCH_GO_RUNS ?? 200) }),
  history: () =>
    historyBench({
      levels: numbers(process.env.BENCH_HISTORY, [0, 100_000, 1_000_000]),
      rate: Number(process.env.BENCH_HISTORY_RATE ?? 200),
      phaseSeconds: Number(process.env.BENCH_PHASE_S ?? 4),
    }),
  monitoring: () => monitoringBench({ runs: Number(process.env.BENCH_MONITORED ?? 10_000), minutes: Number(process.env.BENCH_MONITOR_MINUTES ?? 3) }),
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
