import { describe, expect, it } from 'vitest';
import { plain, type Card } from '../../src/domain/cards.ts';
import { dryRunCard, planCard } from '../../src/domain/plan-card.ts';
import { BOB, buildPlan, buildSpec, CAROL, STEP_NAMES } from './fixtures.ts';

const lines = (card: Card) => card.body.map(plain);
const field = (card: Card, label: string) => {
  const found = card.fields.find((f) => f.label === label);
  return found ? plain(found.value) : undefined;
};

describe('planCard', () => {
  const plan = buildPlan((document) => {
    document.environments.production.strategy.deployIdle.run = ['kubectl', 'set', 'image', 'deployment/checkout', 'app=registry.example/checkout:${version}'];
    document.environments.production.monitoring = { check: { url: '${env.PROD_URL}/health' }, every: '1m', for: '10m' } as never;
  });
  const card = planCard(plan, 'production', buildSpec(plan));

  it('lists the stages in order: pre-checks, Go/No-Go, deploy, monitoring, rollback triggers, rollback steps', () => {
    expect(lines(card)).toEqual([
      'The checkout service',
      `0 · Before a run is created: the version matches ${plan.versionPattern}; started by anyone; not inside a freeze window (unless --emergency "<why>"); checkout production not locked and no other run active there (--queue waits for them)`,
      '1 · Pre-checks:',
      `1. ${STEP_NAMES['pre_checks.0']} — runs gh run view --exit-status (timeout 5m)`,
      `2. ${STEP_NAMES['pre_checks.1']} — GET https://staging.example/health expects 200`,
      '2 · Go/No-Go: a GO from one of @bob (not whoever started the run), within 4h, before production is touched',
      '3 · Deploy (blue-green):',
      `1. ${STEP_NAMES['deploy.0']} — runs kubectl set image deployment/checkout app=registry.example/checkout:\${version} (timeout 30s)`,
      `2. ${STEP_NAMES['deploy.1']} — GET https://idle.example/health expects 200, up to 5 tries every 500ms`,
      `3. ${STEP_NAMES['deploy.2']} — runs ./ctl switch (timeout 5m)`,
      '4 · Monitoring: 10 checks, every 1m until 10m after traffic moves; health: GET ${env.PROD_URL}/health; 3 inconclusive checks in a row → roll back',
      '5 · Rolls back when: health failing for 3 checks; or a deploy step fails, or someone rolls back by hand',
      '6 · Rollback:',
      `1. ${STEP_NAMES['rollback.0']} — runs ./ctl switch-back (timeout 5m) (only if deploy step 3 changed production)`,
      `2. ${STEP_NAMES['rollback.1']} — GET https://prod.example/health expects 200`,
      "3. Validate the rollback — checks production every 15s for 1m (health, the triggers' metrics, which version answers): SUCCESS, PARTIAL or FAILED",
      'A rollback undoes only the deploy steps that changed production (a step that failed before changing anything is not undone, unless it is marked partialOnFailure), newest first; Flightdeck says it is rolled back only after the validation passed.',
    ]);
  });

  it('a feature flag: the flag off first, then — if that did not restore production — the previous version; each level validated', () => {
    const flagged = buildPlan((document) => {
      (document.environments.production as Record<string, unknown>).strategy = {
        kind: 'feature-flag',
        deploy: { name: 'Deploy dark', run: ['deploy'], partialOnFailure: true },
        flagOn: { name: 'Flag on', run: ['on'] },
        flagOff: { name: 'Flag off', run: ['off'] },
        verifyRollback: { name: 'Verify', run: ['verify'] },
        undeploy: { name: 'Undeploy', run: ['undeploy'] },
      };
    });
    const text = lines(planCard(flagged, 'production', buildSpec(flagged)));
    const validate = "checks production every 15s for 1m (health, the triggers' metrics, which version answers): SUCCESS, PARTIAL or FAILED";
    expect(text).toContain('1. Deploy dark — runs deploy (timeout 5m) (may change production in part even when it fails: a rollback undoes it then too)');
    expect(text.slice(text.indexOf('6 · Rollback:') + 1, -1)).toEqual([
      '1. Flag off — runs off (timeout 5m) (only if deploy step 2 changed production)',
      '2. Verify — runs verify (timeout 5m)',
      `3. Validate the rollback — ${validate}`,
      '4. If that does not validate, bring the previous version back: Undeploy — runs undeploy (timeout 5m) (only if deploy step 1 changed production)',
      `5. Validate the rollback — ${validate}`,
    ]);
  });

  it('names approvers and on-call as mentions, and who may start', () => {
    expect(card.fields.find((f) => f.label === 'Approvers')?.value).toEqual([{ mention: { name: 'bob', ids: { slack: BOB.id } } }]);
    expect(card.fields.find((f) => f.label === 'On-call')?.value).toEqual([{ mention: { name: 'carol', ids: { slack: CAROL.id } } }]);
    expect(field(card, 'May start')).toBe('anyone');
    expect(field(card, 'Strategy')).toBe('blue-green');
    expect(card.title).toBe('📋 Deployment plan: checkout → production');
    expect(plain(card.context!)).toBe('Try it: /deploy start checkout <version> production --dry-run');
  });

  it('says how many GOs a quorum needs, and whether the requester may count', () => {
    const quorum = buildPlan((document) => {
      document.approvers = ['bob', 'alice'];
      (document.environments.production as Record<string, unknown>).approval = { quorum: 2, allowSelfApproval: true, timeout: '30m' };
    });
    expect(lines(planCard(quorum, 'production', buildSpec(quorum)))).toContain(
      '2 · Go/No-Go: GOs from 2 different approvers among @bob, @alice, within 30m, before production is touched',
    );
  });

  it('says when an environment asks no Go/No-Go, has no monitoring, or a migration a rollback leaves in place', () => {
    const bare = buildPlan((document) => {
      const production = document.environments.production as Record<string, unknown>;
      production.requireDecision = false;
      delete production.monitoring;
      production.rollbackTriggers = [];
      production.preChecks = [];
      production.migration = { reversible: false };
    });
    const text = lines(planCard(bare, 'production', buildSpec(bare)));
    expect(text).toContain('1 · Pre-checks: none');
    expect(text).toContain('2 · Go/No-Go: not asked in this environment');
    expect(text).toContain('4 · Monitoring: none: the run succeeds when the deploy steps are done');
    expect(text).toContain('5 · Rolls back when: a deploy step fails, or someone rolls back by hand');
    expect(text.at(-1)).toBe('The database migration is not reversible: a rollback leaves it in place.');
  });

  it('describes an HTTP call with its method, statuses, body text, backoff and the poll after it, never a header', () => {
    const withApi = buildPlan((document) => {
      document.environments.production.strategy.checkIdle = {
        name: 'Dispatch',
        http: {
          method: 'POST',
          url: '${env.API}/dispatches',
          expectStatus: [200, 204],
          headers: { Authorization: 'Bearer ${env.TOKEN}' },
          body: { v: '${version}' },
          bodyIncludes: '${version}',
        },
        attempts: 4,
        interval: '2s',
        backoff: { factor: 2, max: '10s' },
        waitFor: { http: { url: '${env.API}/runs', bodyIncludes: '(${run})' }, attempts: 30, interval: '10s' },
      } as never;
    });
    const line = lines(planCard(withApi, 'production', buildSpec(withApi))).find((text) => text.startsWith('2. Dispatch'));
    expect(line).toBe(
      '2. Dispatch — POST ${env.API}/dispatches expects 200 or 204, body must include "${version}", up to 4 tries from 2s apart, ×2 each time up to 10s; then waits for GET ${env.API}/runs expects 200, body must include "(${run})", up to 30 tries every 10s',
    );
    expect(JSON.stringify(planCard(withApi, 'production', buildSpec(withApi)))).not.toContain('Authorization');
  });
});

describe('dryRunCard', () => {
  const plan = buildPlan((document) => {
    document.environments.production.strategy.deployIdle.run = ['deploy', '--image', 'checkout:${version}', '--env', '${environment}', '--note', 'run ${run}'];
    document.environments.production.strategy.checkIdle.http.url = '${env.IDLE_URL}/health?v=${version}';
  });
  const spec = buildSpec(plan);

  it('lists every step of the frozen spec, in order, with the version filled in (not the run key, which does not exist, nor an env value)', () => {
    const card = dryRunCard({ service: 'checkout', version: '2.0.1', environment: 'production', versionPattern: plan.versionPattern }, spec, []);
    const text = lines(card);
    expect(text[0]).toBe('Nothing was started: no run, no lock, no message in the channel. A start would do this, in order:');
    expect(text[1]).toMatch(/^0 · Before a run is created: 2\.0\.1 matches .+; started by anyone; not inside a freeze window/);
    expect(text).toContain(`1. ${STEP_NAMES['deploy.0']} — runs deploy --image checkout:2.0.1 --env production --note "run \${run}" (timeout 30s)`);
    expect(text).toContain(`2. ${STEP_NAMES['deploy.1']} — GET \${env.IDLE_URL}/health?v=2.0.1 expects 200, up to 5 tries every 500ms`);
    const stepLines = text.filter((line) => /^\d+\. /.test(line)).map((line) => line.replace(/^\d+\. /, '').split(' — ')[0]);
    expect(stepLines).toEqual([...spec.steps.pre_checks, ...spec.steps.deploy, ...spec.steps.rollback].map((step) => step.name));
    expect(card).toMatchObject({ title: '🧪 Dry run: checkout 2.0.1 → production', tone: 'info' });
    expect(plain(card.context!)).toBe('To start it: /deploy start checkout 2.0.1 production');
  });

  it('carries what would stop a real start as warnings', () => {
    const card = dryRunCard({ service: 'checkout', version: '2.0.1', environment: 'production', versionPattern: plan.versionPattern }, spec, [
      'A real start would be refused: only deployers may start',
    ]);
    expect(card.tone).toBe('warning');
    expect(lines(card).at(-1)).toBe('⚠️ A real start would be refused: only deployers may start');
  });

  it('marks a rollback step that runs only if its deploy step changed production', () => {
    const undoing = { ...spec, steps: { ...spec.steps, rollback: [{ ...spec.steps.rollback[0]!, undoes: ['deploy.2'] }] } };
    const text = lines(dryRunCard({ service: 'checkout', version: '2.0.1', environment: 'production', versionPattern: plan.versionPattern }, undoing, []));
    expect(text).toContain(`1. ${STEP_NAMES['rollback.0']} — runs ./ctl switch-back (timeout 5m) (only if deploy step 3 changed production)`);
  });
});

describe('planCard: readiness and staging', () => {
  const plan = buildPlan((document) => {
    const production = document.environments.production as Record<string, unknown>;
    production.readiness = {
      threshold: 80,
      prerequisites: [
        { name: 'Coverage', run: ['coverage'], points: 20, minScore: 85 },
        { name: 'CI', run: ['ci'], points: 80, critical: true },
      ],
    };
    production.staging = {
      deploy: [{ name: 'Deploy to staging', run: ['deploy-staging'] }],
      smokeTests: [{ name: 'home', http: { url: 'https://staging.example/' } }],
    };
  });
  const text = lines(planCard(plan, 'production', buildSpec(plan)));

  it('shows each prerequisite’s points, the readiness rule, and the staging steps before the Go/No-Go', () => {
    expect(text).toContain('3. Coverage — runs coverage (timeout 5m) [readiness: 20 points, score ≥ 85]');
    expect(text).toContain('4. CI — runs ci (timeout 5m) [readiness: 80 points, critical]');
    expect(text).toContain(
      'Readiness: READY at 80/100 or more with nothing failing; CONDITIONAL (approvers acknowledge) with only non-critical failures; otherwise the run stops',
    );
    const staging = text.indexOf('Staging (before any approval):');
    expect(staging).toBeGreaterThan(0);
    expect(text[staging + 2]).toBe('2. Staging smoke test: home — GET https://staging.example/ expects 200');
    expect(staging).toBeLessThan(text.findIndex((line) => line.startsWith('2 · Go/No-Go')));
  });
});

describe('planCard and dryRunCard: the gates before a run is created', () => {
  const plan = buildPlan((document) => {
    const doc = document as Record<string, any>;
    doc.deployers = ['alice'];
    doc.environments.staging = structuredClone(doc.environments.production);
    doc.environments.production.requiresSuccessIn = 'staging';
  });
  const spec = buildSpec(plan);

  it('name who may start and the enforced order (requiresSuccessIn), with the version filled in for a dry run', () => {
    expect(lines(planCard(plan, 'production', spec))[1]).toMatch(
      /^0 · Before a run is created: the version matches .+; started by @alice; the version must have succeeded in staging first; /,
    );
    const dry = dryRunCard({ service: 'checkout', version: '2.0.1', environment: 'production', versionPattern: plan.versionPattern }, spec, []);
    expect(lines(dry)[1]).toMatch(/; started by @alice; 2\.0\.1 must have succeeded in staging first; not inside a freeze window/);
  });
});

describe('planCard: risk and contacts', () => {
  it('shows the plan’s risk level and its stakeholder contacts', () => {
    const plan = buildPlan((document) => {
      Object.assign(document, { risk: 'high', contacts: [{ role: 'Product owner', name: 'Priya', contact: '#checkout-product' }] });
    });
    const card = planCard(plan, 'production', buildSpec(plan));
    expect(field(card, 'Risk')).toBe('high');
    expect(field(card, 'Contacts')).toBe('Product owner: Priya (#checkout-product)');
  });
});

describe('planCard: admins and the lock after a rollback', () => {
  it('names the admins and says a rollback locks the target', () => {
    const plan = buildPlan((document) => {
      Object.assign(document, { admins: ['carol'] });
      Object.assign(document.environments.production, { lockAfterRollback: true });
    });
    const card = planCard(plan, 'production', buildSpec(plan));
    expect(field(card, 'Admins')).toBe('@carol');
    expect(field(card, 'After a rollback')).toBe('checkout production is locked until someone unlocks it with a reason');
  });
});
