import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../../src/app/shared/context.ts';
import { recordEvent } from '../../../src/app/shared/record-event.ts';
import { cardToText } from '../../../src/chat/shell/render.ts';
import { ShellSession } from '../../../src/chat/shell/session.ts';
import { withDecisionForms } from '../../../src/domain/decision-facts.ts';
import { statusCard } from '../../../src/domain/messages/status-card.ts';
import { loadPlanFile } from '../../../src/plans/catalog.ts';
import { findRunByKey } from '../../../src/store/runs.ts';
import { freshPostgres } from '../../support/databases.ts';
import { testContext } from '../../support/context.ts';

/** gated's production readiness is CONDITIONAL once its pre-checks ran: the CI check passes, the load test fails. */
const GATED_PLAN = fileURLToPath(new URL('../../fixtures/decision/gated.yaml', import.meta.url));

describe('shell: the decision form as words', () => {
  let pg: Awaited<ReturnType<typeof freshPostgres>>;
  let ctx: AppContext;
  let output = '';
  let shell: ShellSession;

  beforeAll(async () => {
    pg = await freshPostgres();
    ctx = testContext(pg.database.db, [await loadPlanFile(GATED_PLAN)]);
    shell = new ShellSession(ctx, (text) => void (output += text));
    await shell.say('alice', '/deploy start gated 1.0.0');
    const run = (await findRunByKey(ctx.db, 'gated-1'))!;
    // The worker's part, recorded directly: the two prerequisites run, one passes and one fails.
    for (const [stepId, ok] of [
      ['pre_checks.0', true],
      ['pre_checks.1', false],
    ] as const) {
      await recordEvent(ctx, run.id, { type: 'step.started', stepId });
      await recordEvent(
        ctx,
        run.id,
        ok ? { type: 'step.succeeded', stepId, summary: 'CI passed' } : { type: 'step.failed', stepId, summary: 'exit 1: p95 over budget' },
      );
    }
  });
  afterAll(async () => pg?.drop());

  const say = async (user: string, line: string) => {
    output = '';
    await shell.say(user, line);
    return output;
  };

  it('ack (or acknowledge) with no run and no open page is answered, not a crash', async () => {
    expect(await say('alice', 'ack')).toContain('There is no open page to acknowledge.');
    expect(await say('alice', 'acknowledge')).toContain('There is no open page to acknowledge.');
  });

  it('the status card says what each decision asks for; with the run’s forms, GO on a CONDITIONAL run asks for --ack', async () => {
    const run = (await findRunByKey(ctx.db, 'gated-1'))!;
    expect(run).toMatchObject({ state: 'awaiting_decision', readiness: { verdict: 'CONDITIONAL' } });
    expect(await say('bob', '/deploy status gated-1')).toContain('no-go <why> / defer <why>');
    expect(cardToText(withDecisionForms(statusCard(run), run))).toContain('← type go --ack [why] / no-go <why> / defer <why>');
  });

  it('NO-GO without a reason, and GO without --ack on a CONDITIONAL run, are refused with what to type', async () => {
    expect(await say('bob', 'no-go gated-1')).toContain(
      'Please say why: a NO-GO ends gated-1 for now, and the requester needs to know what to change or wait for. Type "no-go gated-1 <why>".',
    );
    const unacknowledged = await say('bob', 'go gated-1 flaky load test');
    expect(unacknowledged).toContain('gated-1 is CONDITIONAL');
    expect(unacknowledged).toContain('Type "go gated-1 --ack [rationale]" to accept them.');
    expect((await findRunByKey(ctx.db, 'gated-1'))!.decision).toBeNull();
  });

  it('go --ack accepts the items; the rest of the line is the rationale', async () => {
    expect(await say('bob', 'go gated-1 --ack flaky load test')).toContain('Recorded: GO on gated-1.');
    expect((await findRunByKey(ctx.db, 'gated-1'))!.decision).toMatchObject({
      decision: 'go',
      rationale: 'flaky load test',
      by: { platform: 'shell', id: 'bob' },
    });
  });

  it('a rollback of a finished deployment is typed as on any platform', async () => {
    expect(await say('carol', '/deploy rollback gated')).toContain(
      '(only you) Nothing has succeeded on gated production yet, so there is no earlier version to roll back to.',
    );
    expect(await say('alice', '/deploy rollback gated to 1.0.0')).toContain(
      '(only you) Only approvers, on-call and admins may roll back gated production (bob, carol).',
    );
  });
});
