import { describe, expect, it } from 'vitest';
import { commitTimeIn } from '../../src/domain/commit-lookup.ts';
import { parsePlan } from '../../src/domain/plan.ts';
import { endingEffects } from '../../src/domain/run-ending.ts';
import { transition, type Run, type RunEvent } from '../../src/domain/run.ts';
import { accepted, apply, BOB, buildSpec, check, monitoring, plan, PLAN_DOCUMENT, requested, step, T0, validated } from './fixtures.ts';

const DAY = 86_400_000;
const reviewed = (after: string) => {
  const document = structuredClone(PLAN_DOCUMENT) as Record<string, any>;
  document.environments.production.review = { after };
  const parsed = parsePlan(document);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.plan;
};
const withReview = (run: Run, afterMs: number): Run => ({ ...run, spec: { ...run.spec, review: { afterMs } } });
const reviews = (effects: { kind: string }[]) => effects.filter((effect) => effect.kind === 'scheduleReview');

describe('post-deployment review: which endings schedule it, and when', () => {
  it('a plan environment may ask for one; the run freezes it, and a plan without one asks for none', () => {
    expect(buildSpec(reviewed('2d')).review).toEqual({ afterMs: 2 * DAY });
    expect(buildSpec(plan()).review).toBeNull();
    const bad = structuredClone(PLAN_DOCUMENT) as Record<string, any>;
    bad.environments.production.review = { after: 'two days' };
    expect(parsePlan(bad)).toMatchObject({
      ok: false,
      problems: [{ path: 'environments.production.review.after', message: expect.stringContaining('not a duration') }],
    });
  });

  it('a run that succeeded, rolled back or whose rollback failed changed production: its review is due `after` from its end', () => {
    const active = withReview(monitoring(), 2 * DAY);
    const due = new Date(T0.getTime() + 2 * DAY).toISOString();
    for (const state of ['succeeded', 'rolled_back', 'rollback_failed'] as const) {
      expect(reviews(endingEffects(active, { ...active, state }, T0))).toEqual([{ kind: 'scheduleReview', at: due }]);
    }
  });

  it('a run that stopped before production changed, or a run that goes on, asks for no review', () => {
    const active = withReview(monitoring(), 2 * DAY);
    for (const state of ['failed', 'no_go', 'deferred', 'cancelled', 'rolling_back'] as const) {
      expect(reviews(endingEffects(active, { ...active, state }, T0))).toEqual([]);
    }
    const ended: Run = { ...active, state: 'succeeded' };
    expect(reviews(endingEffects(ended, ended, T0))).toEqual([]);
  });

  it('through the machine: the success schedules it once, at the end plus `after`; a NO-GO does not', () => {
    let run = apply(null, [requested(reviewed('2d')), ...step('pre_checks.0'), { type: 'decision', decision: 'go', by: BOB, rationale: null }]).run;
    run = apply(run, [...step('deploy.0'), ...step('deploy.1'), ...step('deploy.2')]).run;
    const ends = new Date(T0.getTime() + 60_000);
    const effects: { kind: string }[] = [];
    for (let seq = 1; run.state === 'monitoring'; seq++) {
      const result = accepted(transition(run, check(seq, true), ends));
      effects.push(...result.effects);
      run = result.run;
    }
    expect(run.state).toBe('succeeded');
    expect(reviews(effects)).toEqual([{ kind: 'scheduleReview', at: new Date(ends.getTime() + 2 * DAY).toISOString() }]);

    const waiting = apply(null, [requested(reviewed('2d')), ...step('pre_checks.0')]).run;
    const noGo = accepted(transition(waiting, { type: 'decision', decision: 'no_go', by: BOB, rationale: 'not today' }, T0));
    expect(noGo.run.state).toBe('no_go');
    expect(reviews(noGo.effects)).toEqual([]);
  });

  it('through the machine: a validated rollback schedules it', () => {
    let run = withReview(monitoring(), 3_600_000);
    run = apply(run, [check(1, false), check(2, false), check(3, false)]).run;
    expect(run.state).toBe('rolling_back');
    const effects: { kind: string }[] = [];
    const undo = apply(run, step('rollback.0'));
    effects.push(...undo.effects);
    const ended = validated(undo.run);
    effects.push(...ended.effects);
    expect(ended.run.state).toBe('rolled_back');
    expect(reviews(effects)).toEqual([{ kind: 'scheduleReview', at: new Date(T0.getTime() + 3_600_000).toISOString() }]);
  });
});

describe('commit time lookup: asked for at the run’s creation only when it is needed', () => {
  const commits = {
    url: 'https://api.github.com/repos/acme/api/commits/${sha}',
    headers: { Authorization: 'Bearer ${env.GITHUB_TOKEN}' },
    field: 'commit.committer.date',
  };
  const withCommit = (commit: Run['commit'], overrides: Record<string, unknown> = { commits }): RunEvent => {
    const event = requested(plan(overrides)) as Extract<RunEvent, { type: 'requested' }>;
    return { ...event, run: { ...event.run, ...(commit ? { commit } : {}) } };
  };
  const lookups = (event: RunEvent) => accepted(transition(null, event, T0)).effects.filter((effect) => effect.kind === 'lookUpCommitTime');

  it('a --commit without a time, and a plan that says where to look: one lookup of that sha', () => {
    expect(buildSpec(plan({ commits })).commitLookup).toEqual({ ...commits, timeout: 10_000 });
    expect(lookups(withCommit({ sha: 'abcdef1', at: null }))).toEqual([{ kind: 'lookUpCommitTime', sha: 'abcdef1' }]);
  });

  it('no lookup when the time was given, when no commit was named, or when the plan has no `commits`', () => {
    expect(lookups(withCommit({ sha: 'abcdef1', at: '2026-11-23T10:00:00.000Z' }))).toEqual([]);
    expect(lookups(withCommit(null))).toEqual([]);
    expect(lookups(withCommit({ sha: 'abcdef1', at: null }, {}))).toEqual([]);
  });

  it('the plan must name the commit in the URL and give a dotted field', () => {
    expect(parsePlan({ ...PLAN_DOCUMENT, commits: { ...commits, url: 'https://api.github.com/repos/acme/api/commits' } })).toMatchObject({
      ok: false,
      problems: [{ path: 'commits.url', message: 'must name the commit with ${sha}' }],
    });
    expect(parsePlan({ ...PLAN_DOCUMENT, commits: { ...commits, field: 'commit..date' } })).toMatchObject({ ok: false, problems: [{ path: 'commits.field' }] });
  });

  it('reads the time at the field, never guessing one', () => {
    const answer = { sha: 'abcdef1', commit: { committer: { date: '2026-11-23T10:00:00Z' } } };
    expect(commitTimeIn(answer, 'commit.committer.date')).toEqual({ at: new Date('2026-11-23T10:00:00Z') });
    expect(commitTimeIn(answer, 'commit.author.date')).toEqual({ problem: 'the answer has no "commit.author.date"' });
    expect(commitTimeIn({ commit: { committer: { date: 'yesterday' } } }, 'commit.committer.date')).toEqual({
      problem: '"commit.committer.date" is not an ISO 8601 time (yesterday)',
    });
    expect(commitTimeIn({ commit: { committer: { date: 1_700_000_000 } } }, 'commit.committer.date')).toMatchObject({ problem: expect.any(String) });
  });
});
