import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Logger } from 'pino';
import type { AckKind, Metrics, ScrapeSources } from './metrics.ts';

/** Seconds; the ack buckets bracket Slack's 3 s deadline, the step buckets go to an hour. */
const ACK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 15];
const STEP_BUCKETS = [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];
const LATENESS_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300];
const ROLLBACK_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1800];

export interface PrometheusMetrics extends Metrics {
  registry: Registry;
  /** The text Prometheus scrapes, and its content type. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/**
 * Flightdeck's metrics in a prom-client registry of its own (a process may hold several runtimes: the tests),
 * with Node's default metrics. Gauges of what is (active runs, outbox age, waiting jobs) are read at scrape time
 * from `sources`; a source that fails leaves its gauge empty for that scrape and logs why, the scrape still answers.
 */
export function createPrometheusMetrics(sources: ScrapeSources, log: Logger, role: string): PrometheusMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role });
  collectDefaultMetrics({ register: registry });

  const ack = new Histogram({
    name: 'flightdeck_ack_seconds',
    help: 'Time from a chat request reaching Flightdeck to its ack, by platform and kind (command, action, form)',
    labelNames: ['platform', 'kind'],
    buckets: ACK_BUCKETS,
    registers: [registry],
  });
  const runsStarted = new Counter({
    name: 'flightdeck_runs_started_total',
    help: 'Runs created, by service and environment',
    labelNames: ['service', 'environment'],
    registers: [registry],
  });
  const runsEnded = new Counter({
    name: 'flightdeck_runs_ended_total',
    help: 'Runs that ended, by service, environment and final state',
    labelNames: ['service', 'environment', 'state'],
    registers: [registry],
  });
  const steps = new Histogram({
    name: 'flightdeck_step_duration_seconds',
    help: 'Duration of executed steps, by kind (command, http, baseline, …) and outcome',
    labelNames: ['kind', 'outcome'],
    buckets: STEP_BUCKETS,
    registers: [registry],
  });
  const lateness = new Histogram({
    name: 'flightdeck_check_lateness_seconds',
    help: 'How long after its slot a scheduled check ran',
    buckets: LATENESS_BUCKETS,
    registers: [registry],
  });
  const rollbacks = new Counter({
    name: 'flightdeck_rollbacks_total',
    help: 'Rollbacks started, by trigger (the plan trigger, manual or step_failed) and strategy',
    labelNames: ['trigger', 'strategy'],
    registers: [registry],
  });
  const rollbacksEnded = new Counter({
    name: 'flightdeck_rollbacks_ended_total',
    help: 'Rollbacks that ended, by strategy and final state (rolled_back, rollback_failed)',
    labelNames: ['strategy', 'state'],
    registers: [registry],
  });
  const restored = new Histogram({
    name: 'flightdeck_rollback_duration_seconds',
    help: 'Time from a rollback being triggered to production traffic being back on the old version, by strategy',
    labelNames: ['strategy'],
    buckets: ROLLBACK_BUCKETS,
    registers: [registry],
  });
  const pagesOpened = new Counter({ name: 'flightdeck_pages_opened_total', help: 'Pages opened, by cause', labelNames: ['cause'], registers: [registry] });
  const pagesAcked = new Counter({ name: 'flightdeck_pages_acknowledged_total', help: 'Pages acknowledged', registers: [registry] });

  const readSafely = async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      log.warn({ err: (error as Error).message }, `metrics: could not read ${what}`);
      return null;
    }
  };
  new Gauge({
    name: 'flightdeck_active_runs',
    help: 'Active runs by state (read from the database at scrape time)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const counts = await readSafely('active runs', () => sources.activeRuns());
      this.reset();
      for (const [state, count] of Object.entries(counts ?? {})) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'flightdeck_outbox_oldest_age_seconds',
    help: 'Age of the oldest due outbox row not yet relayed to the queues (0 when none)',
    registers: [registry],
    async collect() {
      const age = await readSafely('the outbox', () => sources.outboxOldestAgeSeconds());
      this.reset();
      if (age !== null) this.set(age);
    },
  });
  new Gauge({
    name: 'flightdeck_jobs_waiting',
    help: 'Jobs waiting to be taken by a worker, per queue (delayed jobs not counted)',
    labelNames: ['queue'],
    registers: [registry],
    async collect() {
      const counts = await readSafely('the queues', () => sources.waitingJobs());
      this.reset();
      for (const [queue, count] of Object.entries(counts ?? {})) this.set({ queue }, count);
    },
  });

  return {
    registry,
    async scrape() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    acked: (platform: string, kind: AckKind, seconds: number) => ack.observe({ platform, kind }, seconds),
    runStarted: (labels) => runsStarted.inc(labels),
    runEnded: (labels) => runsEnded.inc(labels),
    stepFinished: (kind, outcome, seconds) => steps.observe({ kind, outcome }, seconds),
    checkRan: (seconds) => lateness.observe(Math.max(0, seconds)),
    rollbackStarted: (labels) => rollbacks.inc(labels),
    trafficRestored: (strategy, seconds) => restored.observe({ strategy }, Math.max(0, seconds)),
    rollbackEnded: (labels) => rollbacksEnded.inc(labels),
    pageOpened: (cause) => pagesOpened.inc({ cause }),
    pageAcknowledged: () => pagesAcked.inc(),
  };
}
