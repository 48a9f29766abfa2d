import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plain } from '../../src/domain/cards.ts';
import type { Effect } from '../../src/domain/effects.ts';
import { rollbackCard } from '../../src/domain/messages/announcements.ts';
import { statusCard } from '../../src/domain/messages/status-card.ts';
import { currentStep, isTerminal, transition, type Run, type RunEvent } from '../../src/domain/run.ts';
import type { RunSpec } from '../../src/domain/spec.ts';
import { BOB, buildPlan, buildSpec, CAROL, PREVIOUS_VERSION, requestedEvent, STEP_NAMES, T0 } from './fixtures.ts';

/**
 * "Rollbacks that tell the truth", as a model-based property: for every strategy configuration and every
 * event sequence that ends in a rollback, the rollback undoes exactly the deploy steps that changed
 * production, newest change first, and the run says rolled_back only after a validation that passed.
 *
 * The model is this file's own: which deploy steps each rollback step undoes is written out here by name
 * (not read from the spec's `undoes`), "changed production" is "its record is ok, or it failed and the plan
 * marks it partialOnFailure", and a validation's status is worked out from the checks this test sent.
 */

// ——— The specs, each with the model of its rollback ———

interface LevelModel {
  outcome: 'previous_version' | 'feature_off';
  /** Undo steps in the order the rollback runs them, with the names of the deploy steps each one undoes. */
  undo: { name: string; undoes: string[] }[];
  /** The reversible migration's reversal: after the undo steps, on the last level. */
  migration?: string;
  /** Checks whose failure is evidence against the level (verifyRollback, the validation's smoke tests). */
  checks: string[];
}
interface SpecModel {
  spec: RunSpec;
  /** Deploy steps (by name) that may change production even when they fail. */
  partial: string[];
  levels: LevelModel[];
  /** Checks in one validation window: window / every. */
  windowChecks: number;
}

const cmd = (name: string) => ({ name, run: [name] });
const VALIDATE = 'Validate the rollback';
type Document = Parameters<NonNullable<Parameters<typeof buildPlan>[0]>>[0];
const production = (document: Document) => document.environments.production as Record<string, unknown>;
const strategyOf = (document: Document) => document.environments.production.strategy as Record<string, unknown>;

const SWITCH = STEP_NAMES['deploy.2'];
const SWITCH_BACK = STEP_NAMES['rollback.0'];
const VERIFY = STEP_NAMES['rollback.1'];
const batch = (n: number) => `batch ${n}/3 (instance${n === 3 ? '' : 's'} ${['0, 1', '2, 3', '4'][n - 1]})`;
const CANARY_CHANGES = ['canary-deploy', 'Send 5% of traffic to the canary', 'Send 25% of traffic to the canary', 'Promote the canary to 100%'];

const MODELS: Record<string, SpecModel> = {
  // The fixture: switch back, then verify the old slot answers.
  blueGreen: {
    spec: buildSpec(),
    partial: [],
    levels: [{ outcome: 'previous_version', undo: [{ name: SWITCH_BACK, undoes: [SWITCH] }], checks: [VERIFY] }],
    windowChecks: 4,
  },
  // No verifyRollback; a reversible migration, reversed after the switch back.
  blueGreenMigration: {
    spec: buildSpec(
      buildPlan((document) => {
        delete strategyOf(document).verifyRollback;
        production(document).migration = { reversible: true, rollback: cmd('migrate-down') };
      }),
    ),
    partial: [],
    levels: [{ outcome: 'previous_version', undo: [{ name: SWITCH_BACK, undoes: [SWITCH] }], migration: 'migrate-down', checks: [] }],
    windowChecks: 4,
  },
  // A switch that may move some traffic even when it fails.
  blueGreenPartial: {
    spec: buildSpec(buildPlan((document) => Object.assign(document.environments.production.strategy.switch, { partialOnFailure: true }))),
    partial: [SWITCH],
    levels: [{ outcome: 'previous_version', undo: [{ name: SWITCH_BACK, undoes: [SWITCH] }], checks: [VERIFY] }],
    windowChecks: 4,
  },
  // 5 instances in batches of 2: batches 3, 2, 1 put back, newest first.
  rolling: {
    spec: buildSpec(
      buildPlan((document) => {
        production(document).strategy = {
          kind: 'rolling',
          instances: 5,
          batchSize: 2,
          deployBatch: cmd('deploy-batch'),
          checkBatch: cmd('check-batch'),
          undoBatch: cmd('undo-batch'),
        };
      }),
    ),
    partial: [],
    levels: [
      {
        outcome: 'previous_version',
        undo: [3, 2, 1].map((n) => ({ name: `Put the previous version back on ${batch(n)}`, undoes: [`Deploy ${batch(n)}`] })),
        checks: [],
      },
    ],
    windowChecks: 4,
  },
  // A batch that may leave some of its instances changed when it fails; the validation's own smoke test and window.
  rollingPartial: {
    spec: buildSpec(
      buildPlan((document) => {
        production(document).strategy = {
          kind: 'rolling',
          instances: 5,
          batchSize: 2,
          deployBatch: { ...cmd('deploy-batch'), partialOnFailure: true },
          checkBatch: cmd('check-batch'),
          undoBatch: cmd('undo-batch'),
        };
        production(document).rollback = {
          validation: { every: '10s', window: '30s', smokeTests: [{ name: 'checkout page', http: { url: 'https://prod.example/checkout' } }] },
        };
      }),
    ),
    partial: [1, 2, 3].map((n) => `Deploy ${batch(n)}`),
    levels: [
      {
        outcome: 'previous_version',
        undo: [3, 2, 1].map((n) => ({ name: `Put the previous version back on ${batch(n)}`, undoes: [`Deploy ${batch(n)}`] })),
        checks: ['Rollback smoke test: checkout page'],
      },
    ],
    windowChecks: 3,
  },
  // An automatic hold, a manual one, and the old pool kept warm until retireOld.
  canary: {
    spec: buildSpec(
      buildPlan((document) => {
        production(document).strategy = {
          kind: 'canary',
          deploy: cmd('canary-deploy'),
          setWeight: cmd('canary-weight'),
          promote: cmd('canary-promote'),
          abort: cmd('canary-abort'),
          retireOld: cmd('retire-old-pool'),
          steps: [
            { weight: 5, hold: '2s' },
            { weight: 25, hold: '3s', promotion: 'manual' },
          ],
          checkEvery: '1s',
        };
      }),
    ),
    partial: [],
    levels: [{ outcome: 'previous_version', undo: [{ name: 'Abort the canary (weight 0, canary removed)', undoes: CANARY_CHANGES }], checks: [] }],
    windowChecks: 4,
  },
  // The flag off (verified, smoke-tested) first; the previous version back when that did not validate, or the flag never went on.
  featureFlag: {
    spec: buildSpec(
      buildPlan((document) => {
        production(document).strategy = {
          kind: 'feature-flag',
          deploy: cmd('deploy-dark'),
          flagOn: cmd('flag-on'),
          flagOff: cmd('flag-off'),
          verifyRollback: cmd('verify-flag-off'),
          undeploy: cmd('undeploy'),
        };
        production(document).smokeTests = [{ name: 'homepage', http: { url: 'https://prod.example/' } }];
      }),
    ),
    partial: [],
    levels: [
      { outcome: 'feature_off', undo: [{ name: 'flag-off', undoes: ['flag-on'] }], checks: ['verify-flag-off', 'Rollback smoke test: homepage'] },
      { outcome: 'previous_version', undo: [{ name: 'undeploy', undoes: ['deploy-dark'] }], checks: ['Rollback smoke test: homepage'] },
    ],
    windowChecks: 4,
  },
};
const MODEL_NAMES = Object.keys(MODELS);

/** The model's steps, matched by position to the spec's rollback steps (the structure test below checks they line up). */
interface Ids {
  deployByName: Map<string, string>;
  levels: { undo: { id: string; undoes: string[] }[]; migration: string | null; checks: string[]; validate: string }[];
}
function idsOf(model: SpecModel): Ids {
  const deployByName = new Map(model.spec.steps.deploy.map((step) => [step.name, step.id]));
  const rollback = model.spec.steps.rollback;
  let at = 0;
  const next = () => rollback[at++]!.id;
  const levels = model.levels.map((level, index) => ({
    undo: level.undo.map((undo) => ({ id: next(), undoes: undo.undoes.map((name) => deployByName.get(name)!) })),
    migration: level.migration && index === model.levels.length - 1 ? next() : null,
    checks: level.checks.map(() => next()),
    validate: next(),
  }));
  return { deployByName, levels };
}
const IDS = Object.fromEntries(MODEL_NAMES.map((name) => [name, idsOf(MODELS[name]!)]));

// ——— Driving a run ———

type Move =
  | { kind: 'step'; outcome: 'succeeded' | 'failed' | 'started-only' }
  | { kind: 'dueCheck'; healthy: boolean }
  | { kind: 'onCallRollsBack' }
  | { kind: 'approverPromotes'; action: 'promote' | 'hold' };

const weighted = <T>(...choices: [number, T][]) => fc.oneof(...choices.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));
const move: fc.Arbitrary<Move> = fc.oneof(
  {
    weight: 7,
    arbitrary: weighted<'succeeded' | 'failed' | 'started-only'>([10, 'succeeded'], [2, 'failed'], [2, 'started-only']).map((outcome) => ({
      kind: 'step' as const,
      outcome,
    })),
  },
  { weight: 4, arbitrary: weighted([3, true], [1, false]).map((healthy) => ({ kind: 'dueCheck' as const, healthy })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'onCallRollsBack' as const }) },
  { weight: 2, arbitrary: weighted<'promote' | 'hold'>([3, 'promote'], [1, 'hold']).map((action) => ({ kind: 'approverPromotes' as const, action })) },
);

interface Inputs {
  previousVersion: string | null;
  moves: Move[];
  /** How a run still deploying or watched after the moves is made to roll back: a person, or failing checks (when watched). */
  force: 'manual' | 'trigger';
  /** Outcomes of the rollback's worker steps (and of a deploy step still in flight), used in turn. */
  stepOks: boolean[];
  /** Health of the validation checks, used in turn. */
  healthy: boolean[];
  /** Before some events of the rollback, events it must refuse: a second rollback, a check that is not due. */
  noise: boolean[];
}
const inputs: fc.Arbitrary<Inputs> = fc.record({
  previousVersion: weighted<string | null>([3, PREVIOUS_VERSION], [1, null]),
  moves: fc.array(move, { minLength: 4, maxLength: 30, size: 'max' }),
  force: fc.constantFrom('manual' as const, 'trigger' as const),
  stepOks: fc.array(weighted([4, true], [1, false]), { minLength: 1, maxLength: 12 }),
  healthy: fc.array(weighted([2, true], [1, false]), { minLength: 1, maxLength: 12 }),
  noise: fc.array(weighted([3, false], [1, true]), { minLength: 1, maxLength: 6 }),
});

interface Accepted {
  event: RunEvent;
  before: Run;
  after: Run;
  effects: Effect[];
}
interface Trace {
  run: Run;
  accepted: Accepted[];
  /** The health of every check this test sent during each validation window, window by window. */
  windows: boolean[][];
  /** How the rollback began: a person asked, or it was automatic (a deploy step failed, a trigger fired); null: no rollback. */
  began: 'manual' | 'automatic' | null;
}

const PRODUCTION_TOUCHED = ['deploying', 'verifying', 'awaiting_promotion', 'monitoring', 'paused'];
const WATCHED = ['verifying', 'awaiting_promotion', 'monitoring'];

function drive(spec: RunSpec, input: Inputs): Trace {
  let now = T0.getTime();
  const created = transition(null, requestedEvent({ spec, previousVersion: input.previousVersion }), new Date(now));
  if (!created.ok) throw new Error(created.error.message);
  let run = created.run;
  const accepted: Accepted[] = [];
  const windows: boolean[][] = [];
  let windowOpen = false;
  let began: Trace['began'] = null;

  const offer = (event: RunEvent) => {
    now += 1_000;
    const result = transition(run, event, new Date(now));
    if (!result.ok) return result;
    if (event.type === 'check' && run.state === 'validating_rollback') {
      if (!windowOpen) windows.push([]);
      windowOpen = true;
      windows.at(-1)!.push(event.healthy);
    }
    if (result.run.state !== 'validating_rollback') windowOpen = false;
    if (!began && !run.rollback && !isTerminal(run.state)) {
      if (event.type === 'rollback.requested') began = 'manual';
      else if ((event.type === 'step.failed' && event.stepId.startsWith('deploy.')) || result.run.state === 'rolling_back') began = 'automatic';
    }
    accepted.push({ event, before: run, after: result.run, effects: result.effects });
    run = result.run;
    return result;
  };
  const runStep = (outcome: 'succeeded' | 'failed' | 'started-only') => {
    const step = currentStep(run);
    if (!step || step.action.kind === 'hold' || step.action.kind === 'validate') return;
    offer({ type: 'step.started', stepId: step.id });
    if (outcome !== 'started-only')
      offer(
        outcome === 'succeeded' ? { type: 'step.succeeded', stepId: step.id, summary: 'exit 0' } : { type: 'step.failed', stepId: step.id, summary: 'exit 1' },
      );
  };
  const dueCheck = (healthy: boolean) =>
    offer({ type: 'check', seq: run.nextCheck, healthy, detail: healthy ? 'GET /health → 200' : `GET /health → 503 (check ${run.nextCheck})` });

  // The pre-checks pass and the approver says GO, so most sequences reach production; then anything.
  runStep('succeeded');
  runStep('succeeded');
  offer({ type: 'decision', decision: 'go', by: BOB, rationale: null, acknowledged: true });
  for (const next of input.moves) {
    if (isTerminal(run.state)) break;
    if (next.kind === 'step') runStep(next.outcome);
    else if (next.kind === 'dueCheck') dueCheck(next.healthy);
    else if (next.kind === 'onCallRollsBack') offer({ type: 'rollback.requested', by: CAROL, reason: 'on-call says so' });
    else offer({ type: 'promotion', action: next.action, by: BOB });
  }

  // Most runs still deploying or watched are made to roll back, so most sequences end in one.
  if (PRODUCTION_TOUCHED.includes(run.state)) {
    if (input.force === 'trigger' && WATCHED.includes(run.state)) for (let i = 0; i < 5 && WATCHED.includes(run.state); i++) dueCheck(false);
    else offer({ type: 'rollback.requested', by: CAROL, reason: 'forced by the test' });
  }

  // Then the rollback, to its end, with random outcomes.
  for (let i = 0; run.state === 'rolling_back' || run.state === 'validating_rollback'; i++) {
    if (i > 200) throw new Error(`the rollback never ended: ${run.state} ${JSON.stringify(run.cursor)}`);
    if (input.noise[i % input.noise.length]) {
      expect(transition(run, { type: 'rollback.requested', by: CAROL, reason: null }, new Date(now)).ok, 'a second rollback is refused').toBe(false);
      expect(
        transition(run, { type: 'check', seq: run.nextCheck + 1, healthy: true, detail: 'early' }, new Date(now)).ok,
        'a check that is not due is refused',
      ).toBe(false);
    }
    if (run.state === 'validating_rollback') dueCheck(input.healthy[i % input.healthy.length]!);
    else runStep(input.stepOks[i % input.stepOks.length]! ? 'succeeded' : 'failed');
  }
  return { run, accepted, windows, began };
}

// ——— The model ———

interface Expected {
  state: 'rolled_back' | 'rollback_failed' | 'failed' | 'cancelled';
  /** Undo steps (and the migration's reversal) that ran, in order. */
  undone: string[];
  /** Levels validated, with the status each should have had. */
  validated: { level: number; status: 'SUCCESS' | 'PARTIAL' | 'FAILED' }[];
  /** Checks (evidence) that ran, in order. */
  checks: string[];
  changed: Set<string>;
}

function expected(model: SpecModel, ids: Ids, trace: Trace): Expected {
  const { run } = trace;
  const record = (id: string) => run.steps.find((candidate) => candidate.stepId === id);
  const partial = new Set(model.partial.map((name) => ids.deployByName.get(name)!));
  const changed = new Set(run.steps.filter((step) => step.stepId.startsWith('deploy.') && (step.ok || partial.has(step.stepId))).map((step) => step.stepId));
  const undone: string[] = [];
  const validated: Expected['validated'] = [];
  const checks: string[] = [];
  let somethingToUndo = false;
  let stoppedAt: number | null = null;
  for (const [level, steps] of ids.levels.entries()) {
    const applicable = steps.undo.filter((undo) => undo.undoes.some((id) => changed.has(id)));
    if (!applicable.length) continue;
    somethingToUndo = true;
    // An undo step that fails ends its level at once: the next level, if any.
    let failed = false;
    for (const undo of [...applicable.map((step) => step.id), ...(steps.migration ? [steps.migration] : [])]) {
      undone.push(undo);
      if (!record(undo)?.ok) {
        failed = true;
        break;
      }
    }
    if (failed) continue;
    checks.push(...steps.checks);
    // The last check of the window decides; with nothing served before the run, only the checks are judged.
    const window = trace.windows[validated.length] ?? [];
    const expectedVersion = model.levels[level]!.outcome === 'feature_off' ? run.version : run.previousVersion;
    const healthJudged = expectedVersion !== null;
    // Nothing served before the run: without a version probe nothing can tell the new version is gone.
    const unverifiable = !healthJudged && !run.spec.versionProbe;
    const status = healthJudged && window.at(-1) !== true ? 'FAILED' : unverifiable || steps.checks.some((id) => !record(id)?.ok) ? 'PARTIAL' : 'SUCCESS';
    validated.push({ level, status });
    if (status === 'SUCCESS') {
      stoppedAt = level;
      break;
    }
  }
  const state = !somethingToUndo ? (trace.began === 'manual' ? 'cancelled' : 'failed') : stoppedAt !== null ? 'rolled_back' : 'rollback_failed';
  return { state, undone, validated, checks, changed };
}

const pagesIn = (effects: Effect[]) => effects.flatMap((effect) => (effect.kind === 'page' ? [effect.cause] : []));
const announcesIn = (effects: Effect[]) => effects.flatMap((effect) => (effect.kind === 'announce' ? [effect.message] : []));
const claimsRestored = (text: string) => /restored/i.test(text.replace(/not restored/gi, ''));

/** Every assertion of the issue, on one trace. */
function checkTrace(name: string, trace: Trace): Expected | null {
  const model = MODELS[name]!;
  const ids = IDS[name]!;
  const { run, accepted } = trace;
  const last = accepted.at(-1)!;
  const allEffects = accepted.flatMap((step) => step.effects);

  // Whatever happened, nothing Flightdeck says claims a restore that was not validated.
  for (const step of accepted) {
    for (const effect of step.effects) if (effect.kind === 'postLog') expect(claimsRestored(effect.text), effect.text).toBe(false);
    const card = statusCard(step.after);
    expect(claimsRestored([card.title, ...card.body.map(plain)].join('\n'))).toBe(false);
    if (/Rolled back/.test(card.title)) expect(step.after.state).toBe('rolled_back');
  }
  if (!trace.began) {
    expect(run.rollback).toBeNull();
    expect(announcesIn(allEffects)).not.toContain('rollback');
    return null;
  }
  expect(isTerminal(run.state), `ended ${run.state}`).toBe(true);
  const want = expected(model, ids, trace);
  expect(run.state).toBe(want.state);

  // (1) the undo steps that ran are exactly the applicable ones of the levels reached, and (2) in the spec's order.
  const undoIds = new Set(ids.levels.flatMap((level) => [...level.undo.map((undo) => undo.id), ...(level.migration ? [level.migration] : [])]));
  const checkIds = new Set(ids.levels.flatMap((level) => level.checks));
  const records = run.steps.filter((step) => step.stepId.startsWith('rollback.'));
  expect(records.filter((step) => undoIds.has(step.stepId)).map((step) => step.stepId)).toEqual(want.undone);
  expect(records.filter((step) => checkIds.has(step.stepId)).map((step) => step.stepId)).toEqual(want.checks);
  // No record of anything else: the validation is no worker's step.
  expect(records.every((step) => undoIds.has(step.stepId) || checkIds.has(step.stepId))).toBe(true);
  // Newest change first: each undo step's newest change is older than the one before's (rolling: batch 3, then 2, then 1).
  const undoOf = new Map(ids.levels.flatMap((level) => level.undo.map((undo) => [undo.id, undo.undoes] as const)));
  const newest = want.undone
    .filter((id) => undoOf.has(id))
    .map((id) =>
      Math.max(
        ...undoOf
          .get(id)!
          .filter((deploy) => want.changed.has(deploy))
          .map((deploy) => Number(deploy.split('.')[1])),
      ),
    );
  newest.forEach((index, at) => at > 0 && expect(index).toBeLessThan(newest[at - 1]!));

  // (3) the validations: the levels and statuses the model expects; rolled_back only after one that passed, having seen its whole window.
  const validations = run.rollback?.validations ?? [];
  expect(validations.map((validation) => ({ level: validation.level, status: validation.status }))).toEqual(want.validated);
  expect(trace.windows.map((window) => window.length)).toEqual(want.validated.map(() => model.windowChecks));
  for (const validation of validations) {
    expect(validation.checks).toHaveLength(model.windowChecks);
    validation.checks.forEach((check, at) => at > 0 && expect(check.seq).toBe(validation.checks[at - 1]!.seq + 1));
  }
  if (run.state === 'rolled_back') {
    const passed = validations.at(-1)!;
    expect(passed.status).toBe('SUCCESS');
    if (passed.expected !== null) expect(passed.checks.at(-1)!.healthy).toBe(true);
    expect(last.before.state).toBe('validating_rollback');
    expect(last.event.type).toBe('check');
    expect(run.rollback?.trafficRestoredAt).not.toBeNull();
  } else {
    expect(run.rollback?.trafficRestoredAt ?? null).toBeNull();
  }

  // (4) nothing changed: the run just ends, and no rollback is announced.
  if (want.state === 'failed' || want.state === 'cancelled') {
    expect(want.undone).toEqual([]);
    expect(run.rollback).toBeNull();
    expect(announcesIn(allEffects)).toEqual(want.state === 'failed' ? ['stopped'] : []);
  } else {
    // Announced once, at the end: what the validation found.
    expect(announcesIn(allEffects)).toEqual([run.state === 'rolled_back' ? 'rollback' : 'rollback_failed']);
    expect(announcesIn(last.effects)).toEqual(announcesIn(allEffects));
  }

  // (5) pages: a failed rollback always, in the transition that ended it; a rollback that worked iff nobody asked for it.
  const pages =
    want.state === 'rollback_failed' ? ['rollback_failed'] : want.state === 'rolled_back' && trace.began === 'automatic' ? ['automatic_rollback'] : [];
  expect(pagesIn(allEffects)).toEqual(pages);
  expect(pagesIn(last.effects)).toEqual(pages);
  expect(run.rollback?.by ?? null).toEqual(want.state === 'rolled_back' || want.state === 'rollback_failed' ? (trace.began === 'manual' ? CAROL : null) : null);

  // (6) the rollback message says "Validated" only when it was, and never "restored" but in "not restored".
  if (run.state === 'rolled_back' || run.state === 'rollback_failed') {
    const card = rollbackCard(run);
    const text = [card.title, ...card.body.map(plain), ...card.fields.map((field) => plain(field.value))].join('\n');
    expect(text.includes('Validated')).toBe(run.state === 'rolled_back');
    expect(claimsRestored(text), text).toBe(false);
  }
  return want;
}

describe('rollbacks undo exactly what changed production, newest first, and say rolled back only once validated', () => {
  it('the model lines up with every spec: its steps, their order and what each undoes', () => {
    for (const name of MODEL_NAMES) {
      const { spec, levels } = MODELS[name]!;
      const names = levels.flatMap((level, index) => [
        ...level.undo.map((undo) => undo.name),
        ...(level.migration && index === levels.length - 1 ? [level.migration] : []),
        ...level.checks,
        VALIDATE,
      ]);
      expect(
        spec.steps.rollback.map((step) => step.name),
        name,
      ).toEqual(names);
      expect(spec.rollbackLevels, name).toEqual(levels.map((level) => level.outcome));
      const ids = IDS[name]!;
      for (const level of ids.levels) {
        for (const undo of level.undo) {
          expect(undo.undoes.every(Boolean), `${name}: every deploy step the model names exists`).toBe(true);
          expect([...(spec.steps.rollback.find((step) => step.id === undo.id)!.undoes ?? [])].sort(), name).toEqual([...undo.undoes].sort());
        }
        for (const id of [...level.checks, level.validate, ...(level.migration ? [level.migration] : [])])
          expect(spec.steps.rollback.find((step) => step.id === id)!.undoes, name).toBeUndefined();
      }
    }
  });

  for (const name of MODEL_NAMES) {
    it(`${name}: every event sequence that ends in a rollback`, () => {
      fc.assert(
        fc.property(inputs, (input) => {
          checkTrace(name, drive(MODELS[name]!.spec, input));
        }),
        { numRuns: 100 },
      );
    });
  }

  it('the generator reaches every kind of ending (so the properties are not vacuous)', () => {
    const seen = new Map<string, number>();
    const count = (what: string) => seen.set(what, (seen.get(what) ?? 0) + 1);
    for (const name of MODEL_NAMES) {
      for (const input of fc.sample(inputs, { numRuns: 100, seed: 20260302 })) {
        const trace = drive(MODELS[name]!.spec, input);
        const want = checkTrace(name, trace);
        if (!want) continue;
        const { run } = trace;
        const validation = run.rollback?.validations.at(-1);
        count(`${name} ${run.state}`);
        if (run.state === 'rolled_back') count(`${name} rolled_back at level ${validation!.level}`);
        if (run.state === 'rollback_failed' && validation?.expected === null) count('rollback_failed with nothing before and no version probe');
        if (run.state === 'rollback_failed')
          count(run.failure?.stepId.startsWith('rollback.') ? 'rollback_failed by an undo step' : `rollback_failed by a validation ${validation!.status}`);
        if (run.rollback && run.rollback.validations.length > 1) count('a second level after a validation that did not pass');
        const undonePartially = run.steps.some((step) => !step.ok && MODELS[name]!.partial.includes(step.name)) && want.undone.length > 0;
        if (undonePartially) count(`${name}: a failed partialOnFailure step undone`);
        if (
          want.undone.length &&
          want.changed.size &&
          run.steps.some((step) => step.stepId.startsWith('deploy.') && !step.ok && !MODELS[name]!.partial.includes(step.name))
        )
          count('a failed step left alone, the others undone');
        if (name.startsWith('rolling') && want.undone.length > 1) count(`${name}: several batches undone`);
      }
    }
    const at = (what: string) => seen.get(what) ?? 0;
    for (const name of MODEL_NAMES) {
      expect(at(`${name} rolled_back`), `${name} rolled_back`).toBeGreaterThan(0);
      expect(at(`${name} rollback_failed`), `${name} rollback_failed`).toBeGreaterThan(0);
    }
    for (const what of [
      'featureFlag rolled_back at level 0',
      'featureFlag rolled_back at level 1',
      'a second level after a validation that did not pass',
      'rollback_failed by an undo step',
      'rollback_failed by a validation FAILED',
      'rollback_failed by a validation PARTIAL',
      'rollback_failed with nothing before and no version probe',
      'blueGreen failed',
      'blueGreen cancelled',
      'featureFlag cancelled',
      'blueGreenPartial: a failed partialOnFailure step undone',
      'rollingPartial: a failed partialOnFailure step undone',
      'a failed step left alone, the others undone',
      'rolling: several batches undone',
    ]) {
      expect(at(what), `${what} (seen: ${JSON.stringify(Object.fromEntries(seen))})`).toBeGreaterThan(0);
    }
  });
});
