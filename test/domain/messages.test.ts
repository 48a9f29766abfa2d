import { describe, expect, it } from 'vitest';
import { ACTIONS, plain, type Card } from '../../src/domain/cards.ts';
import { pageCard, rollbackCard, statusCard, successCard } from '../../src/domain/messages.ts';
import { deploymentReport } from '../../src/domain/report.ts';
import type { Run } from '../../src/domain/run.ts';
import { ALICE, BOB, CAROL, DEPLOY_IDS, Flight, go, ROLLBACK_IDS, RUN_ID, RUN_KEY, STEP_NAMES, TRIGGER } from './fixtures.ts';

const carolMention = { mention: { name: 'carol', ids: { slack: CAROL.id } } };
const bobMention = { mention: { name: 'bob', ids: { slack: BOB.id } } };
const aliceMention = { mention: { name: 'alice', ids: { slack: ALICE.id } } };

function field(card: Card, label: string): string | undefined {
  const found = card.fields.find((f) => f.label === label);
  return found && plain(found.value);
}
function bodyText(card: Card): string {
  return card.body.map(plain).join('\n');
}

/** A run at each interesting point of its life. */
const runs = {
  preChecks: () => new Flight().run,
  awaitingDecision: () => new Flight().toDecision().run,
  deploying: () => {
    const flight = new Flight().toDecision();
    flight.send(go(BOB, 'staging is green'), 120_000); // 14:02:04
    return flight.run;
  },
  monitoring: () => new Flight().toMonitoring().run,
  succeeded: () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 5; i++) flight.check(true);
    return flight.run;
  },
  noGo: () => {
    const flight = new Flight().toDecision();
    flight.send({ type: 'decision', decision: 'no_go', by: BOB, rationale: 'freeze week' });
    return flight.run;
  },
  rollingBack: () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 3; i++) flight.check(false);
    return flight.run;
  },
  validatingRollback: () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 3; i++) flight.check(false);
    flight.steps(ROLLBACK_IDS);
    return flight.run;
  },
  rolledBackByTrigger: () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 3; i++) flight.check(false);
    flight.steps(ROLLBACK_IDS);
    flight.validate(true);
    return flight;
  },
  /** The switch changed production, then the switch back failed. */
  rollbackFailed: () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 3; i++) flight.check(false);
    flight.step('rollback.0', 'failed', 'router unreachable');
    return flight.run;
  },
  /** Every rollback step passed, but production still failed its health check at the end of the validation window. */
  rollbackNotValidated: () => {
    const flight = new Flight().toMonitoring();
    for (let i = 0; i < 3; i++) flight.check(false);
    flight.steps(ROLLBACK_IDS);
    flight.validate(false);
    return flight.run;
  },
} satisfies Record<string, () => Run | Flight>;

describe('statusCard', () => {
  it('offers GO / NO-GO / DEFER, acting on the run, only while awaiting the decision', () => {
    const card = statusCard(runs.awaitingDecision());
    expect(card.buttons).toEqual([
      { action: ACTIONS.go, label: 'GO', value: RUN_ID, style: 'primary', form: expect.objectContaining({ decision: 'go' }) },
      { action: ACTIONS.noGo, label: 'NO-GO', value: RUN_ID, style: 'danger', form: expect.objectContaining({ decision: 'no_go' }) },
      { action: ACTIONS.defer, label: 'DEFER', value: RUN_ID, form: expect.objectContaining({ decision: 'defer' }) },
    ]);
    expect(card.title).toBe('🚦 Go/No-Go needed: checkout 2.3.0 → production');
    expect(card.body).toContainEqual(['Approvers: ', bobMention]);
  });

  it.each([
    ['deploying', runs.deploying],
    ['monitoring', runs.monitoring],
  ])('offers only "Roll back" while %s', (_state, make) => {
    const card = statusCard(make());
    // The confirmation is the card model's (renderers only draw it), so it is part of the button.
    expect(card.buttons).toEqual([
      {
        action: ACTIONS.rollback,
        label: 'Roll back',
        value: RUN_ID,
        style: 'danger',
        confirm: {
          title: 'Roll back this run?',
          text: 'Production traffic goes back to the previous version, and on-call is paged.',
          confirm: 'Roll back',
          deny: 'Keep it',
        },
      },
    ]);
  });

  it.each([
    ['pre_checks', runs.preChecks],
    ['rolling_back', runs.rollingBack],
    ['validating_rollback', runs.validatingRollback],
    ['succeeded', runs.succeeded],
    ['no_go', runs.noGo],
    ['rolled_back', () => runs.rolledBackByTrigger().run],
    ['rollback_failed', runs.rollbackFailed],
  ])('has no buttons in %s', (state, make) => {
    const run = make();
    expect(run.state).toBe(state);
    expect(statusCard(run).buttons).toEqual([]);
  });

  it('after the decision shows who decided and when: "GO by bob at 14:02 UTC"', () => {
    const card = statusCard(runs.deploying());
    const decision = card.fields.find((f) => f.label === 'Decision');
    expect(decision?.value).toEqual(['GO by ', bobMention, ' at 14:02 UTC (“staging is green”)']);
    expect(field(card, 'Decision')).toBe('GO by @bob at 14:02 UTC (“staging is green”)');
  });

  it('shows no decision before there is one', () => {
    expect(statusCard(runs.awaitingDecision()).fields.map((f) => f.label)).not.toContain('Decision');
  });

  it('a NO-GO reads as such', () => {
    const card = statusCard(runs.noGo());
    expect(field(card, 'Decision')).toBe('NO-GO by @bob at 14:00 UTC (“freeze week”)');
    expect(card.title).toBe('⛔ NO-GO: checkout 2.3.0 → production');
  });

  it('shows the run, who asked, the state and the progress', () => {
    const card = statusCard(runs.monitoring());
    expect(field(card, 'Run')).toBe(RUN_KEY);
    expect(field(card, 'Requested by')).toBe('@alice');
    expect(field(card, 'State')).toBe('monitoring');
    expect(card.body[0]).toEqual(['pre-checks ✓ · go/no-go ✓ · deploy ✓ · monitoring ⏳']);
    expect(plain(card.context!)).toBe(`${RUN_KEY} · started 14:00 UTC by @alice`);
  });

  it('while rolling back says why', () => {
    const card = statusCard(runs.rollingBack());
    expect(card.title).toBe('↩️ Rolling back: checkout 2.3.0 → production');
    expect(bodyText(card)).toContain(`Rollback: trigger "${TRIGGER}" fired`);
  });
});

describe('rollbackCard', () => {
  it('follows the seed template, with the reason (its numbers once), what the validation saw, and the on-call mentions', () => {
    const flight = runs.rolledBackByTrigger();
    const card = rollbackCard(flight.run);
    expect(card.title).toBe('URGENT: Deployment Rolled Back - checkout 2.3.0');
    expect(card.tone).toBe('danger');
    const text = bodyText(card);
    expect(text).toContain(
      `We rolled back checkout 2.3.0 in production: trigger "${TRIGGER}" fired (3 checks failed in a row over 2s; the last: GET /health → 503 (check 3)).`,
    );
    // The evidence is in the reason, once: not every failing check again.
    expect(flight.run.rollback!.evidence).toHaveLength(3);
    expect(text.match(/GET \/health → 503/g)).toHaveLength(1);
    expect(text).not.toContain('Evidence:');
    // What serves now, as far as the validation could tell: no version probe in this plan, so it says it did not ask.
    expect(text).toContain(
      '✅ Validated: 2.2.9 should be serving again (the plan has no version probe to ask production which version answers) — health check passing; Check the old slot answers passed. We are investigating the issue.',
    );
    expect(text).not.toContain('restored');
    expect(card.body.at(-1)).toEqual(['On-call: ', carolMention, ' · requested by ', aliceMention]);
    expect(field(card, 'Status')).toBe('🔴 ROLLED BACK (validated)');
    expect(field(card, 'Live now')).toBe('2.2.9 (not asked: no version probe in the plan)');
    // The trigger fired at 14:00:14; traffic was back after the switch back (2s); the verification and the four validation checks took 6s more.
    expect(field(card, 'Rollback Time')).toBe('14:00 UTC (traffic back after 2s, done in 8s)');
    expect(text).not.toContain('Database:');
    expect(field(card, 'Run')).toBe(RUN_KEY);
  });

  it('a failed rollback says so and what failed', () => {
    const card = rollbackCard(runs.rollbackFailed());
    expect(card.title).toBe('URGENT: Rollback FAILED - checkout 2.3.0');
    expect(field(card, 'Status')).toBe('🔥 ROLLBACK FAILED');
    expect(field(card, 'Live now')).toBe('not confirmed (see above)');
    const text = bodyText(card);
    expect(text).toContain(`We tried to roll back checkout 2.3.0 in production: trigger "${TRIGGER}" fired`);
    expect(text).toContain(`🔥 Production is not restored: "${STEP_NAMES['rollback.0']}" failed: router unreachable. Production needs a human now.`);
    expect(text).not.toContain('Evidence:');
    expect(text).not.toContain('Validated');
    expect(field(card, 'Rollback Time')).toBe('14:00 UTC (done in 2s)');
  });

  it('a rollback whose steps passed but whose validation did not says production is not restored, and why', () => {
    const run = runs.rollbackNotValidated();
    expect(run.state).toBe('rollback_failed');
    const card = rollbackCard(run);
    expect(card.title).toBe('URGENT: Rollback FAILED - checkout 2.3.0');
    expect(field(card, 'Status')).toBe('🔥 ROLLBACK FAILED (validation FAILED)');
    expect(field(card, 'Live now')).toBe('not confirmed (see above)');
    const text = bodyText(card);
    expect(text).toContain('🔥 Production is not restored: health check failing: GET /health → 503 (check 8). Production needs a human now.');
    expect(text).not.toContain('Validated');
    expect(text.replace(/not restored/g, '')).not.toContain('restored');
    // Traffic was never shown to be back: no "traffic back after".
    expect(field(card, 'Rollback Time')).toBe('14:00 UTC (done in 8s)');
  });
});

describe('pageCard', () => {
  it('mentions on-call with the reason', () => {
    const card = pageCard(runs.rollbackFailed(), 'production needs a human');
    expect(card.body).toEqual([[carolMention, ' — production needs a human']]);
    expect(card.title).toBe('🚨 On-call: checkout production');
  });
});

describe('successCard', () => {
  it('follows the seed template', () => {
    const run = runs.succeeded();
    const card = successCard(run);
    expect(card.title).toBe('Deployment Complete: checkout 2.3.0 ✅');
    expect(card.tone).toBe('good');
    expect(card.body).toEqual([["We've successfully deployed checkout 2.3.0 to production."]]);
    expect(card.fields.map((f) => f.label)).toEqual(['Status', 'Deployment Time', 'Validation', 'Run']);
    expect(field(card, 'Status')).toBe('✅ COMPLETE');
    // Requested 14:00:00; 4 pre-check events, GO, 6 deploy events, 5 checks, a second apart: 16s.
    expect(field(card, 'Deployment Time')).toBe('14:00 UTC (16s)');
    expect(field(card, 'Validation')).toBe('5 checks over 5s, no rollback trigger fired, last check healthy');
    expect(field(card, 'Run')).toBe(RUN_KEY);
    expect(plain(card.context!)).toBe('Requested by @alice · GO by @bob at 14:00 UTC');
  });
});

describe('deploymentReport', () => {
  it('a rolled back run: status, Rollback Executed: YES, the timeline and the reason', () => {
    const flight = runs.rolledBackByTrigger();
    const report = deploymentReport(flight.run);
    expect(report).toContain(`# Deployment Report: checkout 2.3.0 (${RUN_KEY})`);
    expect(report).toContain('**Deployment Status**: 🔴 ROLLED BACK');
    expect(report).toContain('**Rollback Executed**: YES');
    expect(report).toContain('**Go/No-Go**: GO by bob at 14:00 UTC');
    const rows = report.split('\n').filter((line) => /^\| \d\d:\d\d:\d\d \|/.test(line));
    expect(rows).toEqual(flight.run.steps.map((step) => `| ${step.finishedAt.slice(11, 19)} | ${step.name} | ✅ exit 0 |`));
    expect(rows.map((row) => row.split(' | ')[1])).toEqual(
      ['pre_checks.0', 'pre_checks.1', ...DEPLOY_IDS, ...ROLLBACK_IDS].map((id) => STEP_NAMES[id as keyof typeof STEP_NAMES]),
    );
    expect(report).toContain(`- Reason: trigger "${TRIGGER}" fired`);
    expect(report).toContain('- Traffic back on the old version after: 2s');
    expect(report).toContain('- Took: 8s');
    expect(report).toContain(
      '- **Rollback Status**: SUCCESS — 2.2.9 should be serving again (the plan has no version probe to ask production which version answers): health check passing; Check the old slot answers passed',
    );
    expect(report).toMatch(/- check 3 \(\d\d:\d\d:\d\d\): ❌ GET \/health → 503 \(check 3\)/);
  });

  it('a successful run: SUCCESS, Rollback Executed: NO, its duration', () => {
    const report = deploymentReport(runs.succeeded());
    expect(report).toContain('**Deployment Status**: ✅ SUCCESS');
    expect(report).toContain('**Rollback Executed**: NO');
    expect(report).toContain('**Deployment Duration**: 16s');
    expect(report).not.toContain('## Rollback');
  });

  it('a failed step shows ❌ and its summary, with table pipes escaped', () => {
    const flight = new Flight().toDecision();
    flight.send(go());
    flight.step('deploy.0', 'failed', 'exit 1 | image not found');
    const report = deploymentReport(flight.run);
    expect(report).toContain(`| ${STEP_NAMES['deploy.0']} | ❌ exit 1 / image not found |`);
    // The idle slot changed no production traffic: nothing was undone, and the run ended there.
    expect(report).toContain('**Deployment Status**: ❌ FAILED');
    expect(report).toContain('**Rollback Executed**: NO');
    expect(report).toContain('**Deployment Duration**: 7s');
  });

  it('a failed rollback: ROLLBACK_FAILED, and the validation’s problems', () => {
    const report = deploymentReport(runs.rollbackNotValidated());
    expect(report).toContain('**Deployment Status**: ❌ ROLLBACK FAILED');
    expect(report).toContain('**Rollback Executed**: YES');
    expect(report).toContain('- **Rollback Status**: FAILED — health check failing: GET /health → 503 (check 8)');
    expect(report).not.toContain('Traffic back on the old version');
  });
});
