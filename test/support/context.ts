import pino from 'pino';
import type { AppContext } from '../../src/app/shared/context.ts';
import type { Plan } from '../../src/domain/plan.ts';
import { catalogOf, type PlanCatalog } from '../../src/plans/catalog.ts';
import { systemClock, type Clock } from '../../src/ports.ts';
import type { Db } from '../../src/store/db.ts';

/**
 * The AppContext a use case gets, built as src/runtime.ts builds it: the store, a catalog of the
 * given plans, the system clock unless the test drives time, a quiet logger. There is no relay in a
 * use-case test, so `kickRelay` does nothing: the outbox rows stay for the test to read (a test that
 * counts nudges spreads its own `kickRelay` over this).
 */
export function testContext(db: Db, plans: readonly Plan[] | PlanCatalog, clock: Clock = systemClock): AppContext {
  return {
    db,
    plans: isCatalog(plans) ? plans : catalogOf([...plans]),
    clock,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    kickRelay: () => {},
  };
}

function isCatalog(plans: readonly Plan[] | PlanCatalog): plans is PlanCatalog {
  return !Array.isArray(plans);
}
