import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { queueDepths } from '../queue/waiting.ts';
import type { Db } from '../store/db.ts';
import { activeRunsByState, oldestPendingOutboxAgeSeconds } from '../store/gauges.ts';
import { createPrometheusMetrics, type PrometheusMetrics } from './prometheus.ts';

/** The metrics of one runtime (serve, worker, or both in the demo), reading its gauges from its store and Redis. */
export function startMetrics(db: Db, connection: Redis, prefix: string, log: Logger, role: string): PrometheusMetrics & { close(): Promise<void> } {
  const depths = queueDepths(connection, prefix);
  const metrics = createPrometheusMetrics(
    {
      activeRuns: () => activeRunsByState(db),
      outboxOldestAgeSeconds: () => oldestPendingOutboxAgeSeconds(db, new Date()),
      waitingJobs: () => depths.waiting(),
    },
    log,
    role,
  );
  return { ...metrics, close: () => depths.close() };
}
