import type { Logger } from 'pino';
import type { PlanCatalog } from '../../plans/catalog.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Clock, RunLinks } from '../../ports.ts';
import type { Db } from '../../store/db.ts';

/** What every use case needs: the store, the plans, the clock, a nudge for the outbox relay, and the metrics port. */
export interface AppContext {
  db: Db;
  plans: PlanCatalog;
  clock: Clock;
  log: Logger;
  /** Tells the local relay that new outbox rows are waiting (it also polls, so a missed nudge only delays). */
  kickRelay(): void;
  /** Links to the run and service pages, when serve has them (PUBLIC_URL and LINK_SECRET). */
  links?: RunLinks | null;
  /** What /metrics counts (app/shared/run-metrics.ts); unset → nothing is counted (unit tests). */
  metrics?: Metrics;
}
