import { sql } from 'drizzle-orm';
import type { Actor } from '../domain/identity.ts';
import type { Lock, LockKind } from '../domain/lock.ts';
import type { Success } from '../domain/redeploy.ts';
import { TERMINAL_STATES, type Run } from '../domain/run-types.ts';
import type { Db } from './db.ts';
import { currentShape } from './run-shape.ts';

/**
 * What a start reads about its target, in one statement (one round trip on the ack path), each part
 * through an index, so a start costs the same with a million runs stored:
 * - the newest success (succeeded_runs_by_target): the version live there now, the new run's previousVersion;
 * - the active run (one_active_run_per_target: the query says `state not in` the ended states, as its predicate does);
 * - the lock (its primary key), if active at `now`;
 * - the enforced order (succeeded_runs_by_version): whether `version` succeeded in `order` first;
 * - the run an earlier delivery of this request created (runs_request_key_unique).
 */
export interface TargetFacts {
  newestSuccess: Success | null;
  active: Run | null;
  lock: Lock | null;
  orderMet: boolean | null;
  earlier: Run | null;
}

const ENDED = sql.raw(`(${TERMINAL_STATES.map((state) => `'${state}'`).join(',')})`);

interface LockJson {
  service: string;
  environment: string;
  by: Actor;
  reason: string;
  since: string;
  until: string | null;
  kind: LockKind;
  run_key: string | null;
}

export interface TargetAsk {
  service: string;
  environment: string;
  now: Date;
  /** The plan's enforced order (`requiresSuccessIn`) and the version it asks about; null: no order. */
  order: string | null;
  version: string | null;
  requestKey: string | null;
}

/** The statement itself, exported so a test can ask the database how it runs it. */
export function targetFactsQuery(ask: TargetAsk) {
  const { service, environment } = ask;
  const order = ask.order !== null && ask.version !== null ? { environment: ask.order, version: ask.version } : null;
  return sql`select
    (select json_build_object('version', version, 'key', key) from runs
      where service = ${service} and environment = ${environment} and state = 'succeeded'
      order by updated_at desc nulls last, created_at desc nulls last limit 1) as newest,
    (select snapshot from runs where service = ${service} and environment = ${environment} and state not in ${ENDED}) as active,
    (select to_jsonb(locks) from locks
      where service = ${service} and environment = ${environment} and (until is null or until > ${ask.now.toISOString()}::timestamptz)) as lock,
    ${
      order
        ? sql`exists (select 1 from runs where service = ${service} and environment = ${order.environment} and version = ${order.version} and state = 'succeeded')`
        : sql`null::boolean`
    } as order_met,
    ${ask.requestKey ? sql`(select snapshot from runs where request_key = ${ask.requestKey})` : sql`null::jsonb`} as earlier`;
}

export async function targetFacts(db: Db, ask: TargetAsk): Promise<TargetFacts> {
  const result = await db.execute(targetFactsQuery(ask));
  const order = ask.order !== null && ask.version !== null;
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as {
    newest: Success | null;
    active: Run | null;
    lock: LockJson | null;
    order_met: boolean | null;
    earlier: Run | null;
  }[];
  const row = rows[0]!;
  const lock = row.lock;
  return {
    newestSuccess: row.newest ? { version: row.newest.version, key: row.newest.key } : null,
    active: row.active ? currentShape(row.active) : null,
    lock: lock
      ? {
          service: lock.service,
          environment: lock.environment,
          by: lock.by,
          reason: lock.reason,
          since: new Date(lock.since).toISOString(),
          until: lock.until ? new Date(lock.until).toISOString() : null,
          kind: lock.kind,
          runKey: lock.run_key,
        }
      : null,
    orderMet: order ? row.order_met === true : null,
    earlier: row.earlier ? currentShape(row.earlier) : null,
  };
}
