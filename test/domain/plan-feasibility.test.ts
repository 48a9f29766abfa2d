import { describe, expect, it } from 'vitest';
import { freezeWindowSchema } from '../../src/domain/freeze.ts';
import { parsePlan } from '../../src/domain/plan.ts';
import { alwaysFrozen, quorumProblem } from '../../src/domain/plan-feasibility.ts';
import { planDocument } from './fixtures.ts';

const weekly = (from: string, to: string, zone = 'UTC') => freezeWindowSchema.parse({ name: `${from}-${to}-${zone}`, zone, weekly: { from, to } });
const refused = { quorum: 2, allowSelfApproval: false };

describe('quorumProblem: a quorum the approvers can never reach', () => {
  it('more GOs than approvers', () => {
    expect(quorumProblem({ groups: {}, deployers: [], approvers: ['bob'] }, { quorum: 2, allowSelfApproval: true })).toBe(
      'needs 2 approvers but the plan lists 1',
    );
  });

  it('with self-approval refused, a deployer who approves leaves too few others (the issue’s “GO 2 of 3” forever)', () => {
    const roster = { groups: {}, deployers: ['alice'], approvers: ['alice', 'bob', 'carol'] };
    expect(quorumProblem(roster, { quorum: 3, allowSelfApproval: false })).toMatch(/^needs 3 GOs, but a run started by alice can get at most 2: /);
    expect(quorumProblem(roster, { quorum: 3, allowSelfApproval: true })).toBeNull();
    expect(quorumProblem(roster, { quorum: 2, allowSelfApproval: false })).toBeNull();
  });

  it('every deployer is tried, groups expanded, each person once', () => {
    const roster = { groups: { leads: ['bob', 'carol'] }, deployers: ['dave', 'leads'], approvers: ['leads', 'bob'] };
    expect(quorumProblem(roster, refused)).toMatch(/a run started by bob or carol can get at most 1/);
    expect(quorumProblem({ ...roster, deployers: ['dave'] }, refused)).toBeNull(); // dave is no approver: both leads can say GO
  });

  it('with no deployers anyone may start, someone who is not an approver too: the plan can work', () => {
    expect(quorumProblem({ groups: {}, deployers: [], approvers: ['bob', 'carol'] }, refused)).toBeNull();
  });
});

describe('alwaysFrozen: weekly windows that leave no hour free', () => {
  it('back-to-back windows covering the week are always frozen; one free hour is enough to start', () => {
    expect(alwaysFrozen([weekly('Mon 00:00', 'Thu 00:00'), weekly('Thu 00:00', 'Mon 00:00')])).toBe(true);
    expect(alwaysFrozen([weekly('Mon 00:00', 'Thu 00:00'), weekly('Thu 01:00', 'Mon 00:00')])).toBe(false);
    expect(alwaysFrozen([weekly('Fri 15:00', 'Mon 09:00')])).toBe(false);
  });

  it('overlapping windows in different zones are judged on the instants they cover', () => {
    // Berlin is UTC+1 in January and UTC+2 in July: this window, read in UTC, covers what the other leaves.
    expect(alwaysFrozen([weekly('Mon 00:00', 'Sun 12:00'), weekly('Sun 10:00', 'Mon 03:00', 'Europe/Berlin')])).toBe(true);
    expect(alwaysFrozen([weekly('Mon 00:00', 'Sun 12:00'), weekly('Sun 14:00', 'Mon 03:00', 'Europe/Berlin')])).toBe(false);
  });

  it('no windows, or only dated ones, never are', () => {
    expect(alwaysFrozen([])).toBe(false);
    expect(alwaysFrozen([freezeWindowSchema.parse({ name: 'xmas', zone: 'UTC', from: '2026-12-20 00:00', to: '2027-01-04 00:00' })])).toBe(false);
  });
});

describe('parsePlan finds every problem in one pass', () => {
  it('shape errors, people, a quorum that cannot be reached and a freeze without end, together', () => {
    const document = planDocument() as Record<string, any>;
    document.deployers = ['bob'];
    document.approvers = ['bob', 'zed'];
    document.environments.production.approval = { quorum: 2 };
    document.environments.production.preChecks[0].timeout = 'soon';
    document.environments.production.strategy.switch.timeout = 'later';
    document.freezes = [
      { name: 'week', zone: 'UTC', weekly: { from: 'Mon 00:00', to: 'Fri 00:00' } },
      { name: 'weekend', zone: 'UTC', weekly: { from: 'Fri 00:00', to: 'Mon 00:00' } },
    ];
    const result = parsePlan(document);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((problem) => problem.path).sort()).toEqual(
      [
        'approvers[1]',
        'environments.production.approval.quorum',
        'environments.production.preChecks[0].timeout',
        'environments.production.strategy.switch.timeout',
        'freezes',
      ].sort(),
    );
    expect(problems).toContainEqual({ path: 'approvers[1]', message: '"zed" is not listed under people or groups' });
    expect(problems.find((problem) => problem.path === 'freezes')?.message).toBe(
      'the weekly windows for production cover every hour of the week: no run could start there without --emergency',
    );
  });

  it('a canary whose weights do not rise is reported with the rest', () => {
    const document = planDocument() as Record<string, any>;
    document.approvers = ['nobody'];
    document.environments.production.strategy = {
      kind: 'canary',
      deploy: { name: 'd', run: ['./ctl'] },
      setWeight: { name: 'w', run: ['./ctl'] },
      promote: { name: 'p', run: ['./ctl'] },
      abort: { name: 'a', run: ['./ctl'] },
      steps: [
        { weight: 50, hold: '1m' },
        { weight: 25, hold: '1m' },
      ],
    };
    const result = parsePlan(document);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toContainEqual({ path: 'environments.production.strategy.steps[1].weight', message: 'must be more than the step before (50)' });
    expect(problems).toContainEqual({ path: 'approvers[0]', message: '"nobody" is not listed under people or groups' });
  });
});
