import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onCommand } from '../../src/app/on-command.ts';
import type { AppContext } from '../../src/app/shared/context.ts';
import { CONNECTION_LOST, failureText, SORRY } from '../../src/app/shared/replies.ts';
import { loadPlanFile } from '../../src/plans/catalog.ts';
import { runs } from '../../src/store/schema.ts';
import { testContext } from '../support/context.ts';
import { proxiedPostgres, type CutPoint } from '../support/pg-proxy.ts';

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };
/** The start's one write is the named statement create-run (store/create-run.ts): its name is on the wire. */
const MARKER = 'create-run';

/**
 * A start's answer says only what was checked, when the connection to Postgres is lost under its write.
 * The database is real; a proxy between breaks the connection before the statement, after its commit, or
 * while its transaction is still open (the commit lands after the client gave up). For each, on a service's
 * first start (its run counter inserted) and a later one (the counter updated), the answer must match what
 * the database holds: "created" only for a run that is there, "nothing was changed" only when there is
 * none, and "cannot tell" when the database could not be asked.
 */
describe('a start whose connection is lost under its write', () => {
  let setup: Awaited<ReturnType<typeof proxiedPostgres>>;
  let ctx: AppContext;
  let started = 0;

  beforeAll(async () => {
    setup = await proxiedPostgres();
    const failover = await loadPlanFile(fileURLToPath(new URL('../fixtures/failover/failover.yaml', import.meta.url)));
    const services = ['before', 'after-commit', 'in-flight', 'unreachable'].flatMap((name) => [`first-${name}`, `later-${name}`]);
    ctx = testContext(
      setup.proxied.db,
      services.map((service) => ({ ...failover, service })),
    );
  });
  afterAll(async () => setup?.close());

  /** The runs the database holds for a service, read past the proxy. */
  const runsOf = async (service: string) =>
    (await setup.pg.database.db.select({ key: runs.key, environment: runs.environment }).from(runs)).filter((run) => run.key.startsWith(`${service}-`));
  /** Starts `service` on its own environment (e1, e2, …), cutting the write as `cut` says when one is given. */
  const start = async (service: string, cut?: CutPoint) => {
    const environment = `e${++started}`;
    if (cut) setup.proxy.arm({ marker: MARKER, ...cut });
    const reply = await onCommand(ctx, { actor: alice, text: `start ${service} 1.0.0 ${environment}`, requestKey: `request-${started}` });
    expect(setup.proxy.pending, 'the cut was reached').toBe(false);
    expect(reply.kind).toBe('text');
    return { environment, text: reply.kind === 'text' ? reply.text : '' };
  };

  for (const first of [true, false]) {
    const name = (cut: string) => `${first ? 'first' : 'later'}-${cut}`;
    /** A later start follows one that went through, so the service's counter row is there and is updated. */
    const prepare = async (service: string) => {
      if (!first) expect((await start(service)).text).toMatch(/^Run .+-1 created/);
    };

    it(`${first ? 'a first' : 'a later'} start cut before its statement: nothing was changed, and nothing was`, async () => {
      const service = name('before');
      await prepare(service);
      const answer = await start(service, { at: 'before' });
      expect(answer.text).toContain('Nothing was changed');
      expect((await runsOf(service)).filter(({ environment }) => environment === answer.environment)).toEqual([]);
    });

    it(`${first ? 'a first' : 'a later'} start cut after its commit: the run it names is there`, async () => {
      const service = name('after-commit');
      await prepare(service);
      const answer = await start(service, { at: 'afterCommit' });
      const key = /^Run (\S+) created/.exec(answer.text)?.[1];
      expect(key, answer.text).toBeDefined();
      expect(await runsOf(service)).toContainEqual({ key, environment: answer.environment });
    });

    it(`${first ? 'a first' : 'a later'} start cut while its transaction is open: the answer waits for the commit`, async () => {
      const service = name('in-flight');
      await prepare(service);
      const answer = await start(service, { at: 'inFlight', commitAfterMs: 400 });
      const key = /^Run (\S+) created/.exec(answer.text)?.[1];
      expect(key, answer.text).toBeDefined();
      expect(await runsOf(service)).toContainEqual({ key, environment: answer.environment });
    });

    it(`${first ? 'a first' : 'a later'} start cut after its commit with the database out of reach: it says it cannot tell`, async () => {
      const service = name('unreachable');
      await prepare(service);
      const answer = await start(service, { at: 'afterCommit', andRefuse: true }).finally(() => (setup.proxy.refuse = false));
      expect(answer.text).toContain('cannot tell whether the run was created');
      expect(answer.text).not.toContain('Nothing was changed');
      // And it was right not to say so: the run is there.
      expect((await runsOf(service)).filter(({ environment }) => environment === answer.environment)).toHaveLength(1);
    });
  }

  it('any other request failing on a lost connection does not say nothing was changed', () => {
    const lost = Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
    expect(failureText(lost)).toBe(CONNECTION_LOST);
    expect(failureText(new Error('Connection terminated unexpectedly'))).toBe(CONNECTION_LOST);
    expect(failureText(new Error('plan not found'))).toBe(SORRY);
  });
});
