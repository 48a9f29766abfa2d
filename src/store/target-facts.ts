import type { Actor } from '../domain/identity.ts';
import type { Lock, LockKind } from '../domain/lock.ts';
import type { Success } from '../domain/redeploy.ts';
import { TERMINAL_STATES, type Run } from '../domain/run-types.ts';
import { namedQuery, namedSql, type Db } from './db.ts';
import { runFrom, type StoredRun } from './run-specs.ts';

/**
 * What a start reads about its target, in one statement (one round trip on the ack path), each part
 * through an index, so a start costs the same with a million runs stored:
 * - the newest success (succeeded_runs_by_target): the version live there now, the new run's previousVersion;
 * - the active run (one_active_run_per_target: the query says `state not in` the ended states, as its predicate does);
 * - the lock (its primary key), if active at `now`;
 * - the enforced order (succeeded_runs_by_version): whether `version` succeeded in `order` first;
 * - the run an earlier delivery of this request created (runs_request_key_unique);
 * - the service's last run number (its run_counters row), from which the new run takes the next (store/create-run.ts).
 * A named statement (store/db.ts namedQuery): parsed and planned once per connection.
 */
export interface TargetFacts {
  newestSuccess: Success | null;
  active: Run | null;
  lock: Lock | null;
  orderMet: boolean | null;
  earlier: Run | null;
  /** 0: the service has no run yet. */
  lastNumber: number;
}

const ENDED = `(${TERMINAL_STATES.map((state) => `'${state}'`).join(',')})`;

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

const TARGET_FACTS = `select
    (select json_build_object('version', version, 'key', key) from runs
      where service = $1 and environment = $2 and state = 'succeeded'
      order by updated_at desc nulls last, created_at desc nulls last limit 1) as newest,
    (select json_build_object('snapshot', snapshot, 'specHash', spec_hash) from runs
      where service = $1 and environment = $2 and state not in ${ENDED}) as active,
    (select to_jsonb(locks) from locks
      where service = $1 and environment = $2 and (until is null or until > $3::timestamptz)) as lock,
    ($4::text is not null and exists (select 1 from runs
      where service = $1 and environment = $4 and version = $5::text and state = 'succeeded')) as order_met,
    (select json_build_object('snapshot', snapshot, 'specHash', spec_hash) from runs where request_key = $6::text) as earlier,
    (select last from run_counters where service = $1) as last_number`;

function valuesOf(ask: TargetAsk): unknown[] {
  const order = ask.order !== null && ask.version !== null;
  return [ask.service, ask.environment, ask.now.toISOString(), order ? ask.order : null, order ? ask.version : null, ask.requestKey];
}

/** The statement itself, exported so a test can ask the database how it runs it. */
export function targetFactsQuery(ask: TargetAsk) {
  return namedSql(TARGET_FACTS, valuesOf(ask));
}

type StoredRow = { snapshot: StoredRun; specHash: string };

export async function targetFacts(db: Db, ask: TargetAsk): Promise<TargetFacts> {
  const [row] = await namedQuery(db)<{
    newest: Success | null;
    active: StoredRow | null;
    lock: LockJson | null;
    order_met: boolean | null;
    earlier: StoredRow | null;
    last_number: number | null;
  }>('target-facts', TARGET_FACTS, valuesOf(ask));
  const lock = row!.lock;
  const [active, earlier] = await Promise.all([runFrom(db, row!.active), runFrom(db, row!.earlier)]);
  return {
    newestSuccess: row!.newest ? { version: row!.newest.version, key: row!.newest.key } : null,
    active,
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
    orderMet: ask.order !== null && ask.version !== null ? row!.order_met === true : null,
    earlier,
    lastNumber: row!.last_number ?? 0,
  };
}
