import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCommand } from '../../src/app/on-command.ts';
import type { AppContext } from '../../src/app/shared/context.ts';
import { recordEvent } from '../../src/app/shared/record-event.ts';
import type { Run } from '../../src/domain/run.ts';
import { isConnectionLost } from '../../src/store/errors.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { findRunByKey } from '../../src/store/runs.ts';
import { runEvents } from '../../src/store/schema.ts';
import { testContext } from '../support/context.ts';
import { proxiedPostgres, type CutPoint } from '../support/pg-proxy.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
/** A transition's one statement (store/append-event.ts): its name is on the wire. */
const MARKER = 'append-event-if-at';
/** A transaction's COMMIT, as drizzle sends it (the query text ends with a NUL; a snapshot's "commit" key does not). */
const COMMIT = 'commit\u0000';
const DEMO_PLAN = fileURLToPath(new URL('../../plans/demo.yaml', import.meta.url));

/**
 * A transition whose connection to Postgres is lost under its one statement (a click, a check, a step's
 * result): recordEvent must find out whether it was saved before anyone is told. The database is real; a
 * proxy breaks the connection before the statement, after its commit, or with the commit held back. Each
 * time the run must end with the event exactly once, and recordEvent must say it was recorded; only when
 * the database cannot be asked does it fail, with the connection's error (the caller says it cannot tell).
 */
describe('a transition whose connection is lost under its write', () => {
  let setup: Awaited<ReturnType<typeof proxiedPostgres>>;
  let ctx: AppContext;
  let started = 0;

  beforeAll(async () => {
    setup = await proxiedPostgres();
    const plan = await loadPlanFile(DEMO_PLAN);
    // A service per test: each run is its target's only active one.
    ctx = testContext(
      setup.proxied.db,
      [1, 2, 3, 4, 5, 6, 7].map((n) => ({ ...plan, service: `doubt-${n}` })),
    );
  });
  afterAll(async () => setup?.close());

  /** A new run of a service of its own, as the use case's caller reads it. */
  const newRun = async () => {
    const key = `doubt-${++started}-1`;
    expect(await onCommand(ctx, { actor: alice, text: `start doubt-${started} 1.1.0`, requestKey: null })).toMatchObject({
      text: expect.stringContaining(`Run ${key} created`),
    });
    return (await findRunByKey(setup.pg.database.db, key))!;
  };
  /** The run's events past the proxy: type and seq. */
  const eventsOf = async (runId: string) =>
    (await setup.pg.database.db.select({ seq: runEvents.seq, type: runEvents.type }).from(runEvents).where(eq(runEvents.runId, runId))).sort(
      (a, b) => a.seq - b.seq,
    );
  /**
   * The two ways a transition is written: given the run as read, one statement (the cut falls on it); given only
   * its id, the long way, locked and decided in a transaction (the cut falls on its COMMIT).
   */
  const WAYS = [
    {
      name: 'one statement',
      marker: MARKER,
      recordWith: (run: Run) => run,
      cuts: [{ at: 'before' }, { at: 'afterCommit' }, { at: 'inFlight', commitAfterMs: 400 }] satisfies CutPoint[],
      cutName: { before: 'before the statement', afterCommit: 'after its commit', inFlight: 'with its commit held back' },
    },
    {
      name: 'the long way',
      marker: COMMIT,
      recordWith: (run: Run) => run.id,
      // A simple query has no Sync to hold back, so no cut in flight.
      cuts: [{ at: 'before' }, { at: 'afterCommit' }] satisfies CutPoint[],
      cutName: { before: 'before its COMMIT (rolled back: decided again)', afterCommit: 'after its COMMIT', inFlight: '' },
    },
  ];

  for (const way of WAYS) {
    /** Records the run's first step starting with `cut` armed on the way's statement. */
    const startStep = async (cut: CutPoint) => {
      const run = await newRun();
      setup.proxy.arm({ marker: way.marker, ...cut });
      const result = await recordEvent(ctx, way.recordWith(run), { type: 'step.started', stepId: 'pre_checks.0' }).finally(() => (setup.proxy.refuse = false));
      expect(setup.proxy.pending, 'the cut was reached').toBe(false);
      return { run, result };
    };

    for (const cut of way.cuts) {
      it(`${way.name}, cut ${way.cutName[cut.at]}: recorded, once`, async () => {
        const { run, result } = await startStep(cut);
        expect(result).toMatchObject({ ok: true, run: { seq: run.seq + 1 } });
        expect(await eventsOf(run.id)).toEqual([
          { seq: 1, type: 'requested' },
          { seq: 2, type: 'step.started' },
        ]);
      });
    }

    it(`${way.name}, cut after its commit with the database out of reach: it fails with the lost connection, and the event is there`, async () => {
      const error = await startStep({ at: 'afterCommit', andRefuse: true }).then(
        () => null,
        (thrown: unknown) => thrown,
      );
      expect(isConnectionLost(error)).toBe(true);
      const run = (await findRunByKey(setup.pg.database.db, `doubt-${started}-1`))!;
      expect((await eventsOf(run.id)).map(({ type }) => type)).toEqual(['requested', 'step.started']);
    });
  }
});
