import type { Stack } from './stack.ts';

/**
 * How late a process's event loop ran its callbacks over a span: the 99th percentile and the worst, in ms.
 * Node samples it with a timer every RESOLUTION_MS and records the interval, so an idle loop reads 10 ms;
 * what is reported here is the interval less that: the delay.
 */
export interface LoopDelay {
  p99Ms: number;
  maxMs: number;
}

/**
 * Each process's event-loop delay since it was last asked: serve's and the worker's from prom-client's gauges
 * on their /metrics (its delay histogram is reset at each scrape), the bare app's from its /lag (bench/bare-bolt.ts).
 * Ask once before a phase to start the span, once after it to read it.
 */
const RESOLUTION_MS = 10; // prom-client's default eventLoopMonitoringPrecision, and the bare app's

const delayOf = (intervalMs: { p99Ms: number; maxMs: number }): LoopDelay => ({
  p99Ms: Math.max(0, intervalMs.p99Ms - RESOLUTION_MS),
  maxMs: Math.max(0, intervalMs.maxMs - RESOLUTION_MS),
});

export async function loopDelays(stack: Stack): Promise<{ serve: LoopDelay; worker: LoopDelay; bare: LoopDelay }> {
  const [serve, worker, bare] = await Promise.all([
    fromMetrics(stack.servePort),
    fromMetrics(stack.workerPort),
    fetch(`http://127.0.0.1:${stack.barePort}/lag`).then((response) => response.json() as Promise<LoopDelay>),
  ]);
  return { serve: delayOf(serve), worker: delayOf(worker), bare: delayOf(bare) };
}

async function fromMetrics(port: number): Promise<LoopDelay> {
  const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((response) => response.text());
  // Every series carries the registry's default label (role="serve").
  const seconds = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { p99Ms: seconds('nodejs_eventloop_lag_p99_seconds') * 1000, maxMs: seconds('nodejs_eventloop_lag_max_seconds') * 1000 };
}
