/**
 * The port through which adapters, apply-effects and job handlers say what Flightdeck did, for /metrics.
 * The domain never sees it (it stays pure); a process without metrics (a unit test) uses noMetrics.
 * Labels stay bounded: platforms, kinds, states, plans' services, environments, strategies and triggers.
 */

/** What a chat request asked for: a slash command or message, a button, a submitted form. */
export type AckKind = 'command' | 'action' | 'form' | 'other';

export interface Metrics {
  /** Seconds from a chat request reaching Flightdeck to its ack (Slack: 3 s deadline; Teams: 15 s). */
  acked(platform: string, kind: AckKind, seconds: number): void;
  runStarted(labels: { service: string; environment: string }): void;
  runEnded(labels: { service: string; environment: string; state: string }): void;
  stepFinished(kind: string, outcome: 'succeeded' | 'failed', seconds: number): void;
  /** Seconds between a check's slot and when it ran (negative never: early is 0). */
  checkRan(latenessSeconds: number): void;
  rollbackStarted(labels: { trigger: string; strategy: string }): void;
  /** Seconds from the rollback's trigger to production traffic being back on the old version. */
  trafficRestored(strategy: string, seconds: number): void;
  rollbackEnded(labels: { strategy: string; state: string }): void;
  pageOpened(cause: string): void;
  pageAcknowledged(): void;
}

export const noMetrics: Metrics = {
  acked: () => {},
  runStarted: () => {},
  runEnded: () => {},
  stepFinished: () => {},
  checkRan: () => {},
  rollbackStarted: () => {},
  trafficRestored: () => {},
  rollbackEnded: () => {},
  pageOpened: () => {},
  pageAcknowledged: () => {},
};

/** Numbers read when Prometheus scrapes (cheap queries), not counted as things happen. */
export interface ScrapeSources {
  /** Active runs per state. */
  activeRuns(): Promise<Record<string, number>>;
  /** Age in seconds of the oldest outbox row that is due and not yet relayed; 0 when none. */
  outboxOldestAgeSeconds(): Promise<number>;
  /** Jobs waiting (ready to run, not delayed) per queue. */
  waitingJobs(): Promise<Record<string, number>>;
}
