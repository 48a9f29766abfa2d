import { describe, expect, it } from 'vitest';
import { plain } from '../../src/domain/cards.ts';
import { parseCommand, USAGE } from '../../src/domain/command.ts';
import { afterRollbackLock, isActive, lockedSummary, manualLock, MAX_LOCK_MS, parseLockWords, type Lock } from '../../src/domain/lock.ts';
import { lockCard, locksCard, withLockLines } from '../../src/domain/messages/lock-cards.ts';
import { parsePlan } from '../../src/domain/plan.ts';
import { mayCancel, mayDecide, mayLock, mayRollback, mayUnlock } from '../../src/domain/policy.ts';
import { ALICE, BOB, buildPlan, buildSpec, CAROL, MALLORY, planDocument, T0 } from './fixtures.ts';

const HOUR = 3_600_000;
const TARGET = { service: 'checkout', environment: 'production' };
const DAVE = { platform: 'slack' as const, id: 'U04DAVE', name: 'dave' };
/** The fixture plan with dave as its admin and alice as its one deployer. */
const spec = buildSpec(
  buildPlan((document) => {
    Object.assign(document.people, { dave: { slack: DAVE.id } });
    Object.assign(document, { admins: ['dave'], deployers: ['alice'] });
  }),
);
const at = (hours: number) => new Date(T0.getTime() + hours * HOUR);
const aliceLock = (forMs: number | null = 2 * HOUR): Lock => manualLock(TARGET, ALICE, 'db migration', forMs, T0);
const rolledBack = afterRollbackLock(
  {
    ...TARGET,
    key: 'checkout-7',
    version: '2.4.0',
    platform: 'slack',
    state: 'rolled_back',
    rollback: { reason: 'trigger "health failing for 3 checks" fired' },
  },
  T0,
);

describe('a lock', () => {
  it('holds until its expiry and then simply is not active: it frees itself', () => {
    const lock = aliceLock();
    expect(lock).toMatchObject({ since: T0.toISOString(), until: at(2).toISOString(), kind: 'manual', by: ALICE });
    expect(isActive(lock, at(1.99))).toBe(true);
    expect(isActive(lock, at(2))).toBe(false);
    expect(isActive(aliceLock(null), at(24 * 365))).toBe(true);
  });

  it('a rollback locks until someone unlocks it, held by Flightdeck, naming the run', () => {
    expect(rolledBack).toMatchObject({ kind: 'after_rollback', until: null, runKey: 'checkout-7', by: { id: 'flightdeck', name: 'Flightdeck' } });
    expect(rolledBack.reason).toBe('checkout-7 (2.4.0) was rolled back: trigger "health failing for 3 checks" fired');
    expect(afterRollbackLock({ ...TARGET, key: 'checkout-8', version: '2.4.1', platform: 'slack', state: 'rollback_failed', rollback: null }, T0).reason).toBe(
      'checkout-8 (2.4.1) failed to roll back',
    );
  });
});

describe('parsing "<reason> [for 2h]"', () => {
  it.each([
    [['db', 'migration', 'for', '2h'], { reason: 'db migration', forMs: 2 * HOUR }],
    [['db migration', 'for', '90m'], { reason: 'db migration', forMs: 90 * 60_000 }],
    [['db', 'migration'], { reason: 'db migration', forMs: null }],
    // Only a duration after the last "for" is an expiry.
    [['waiting', 'for', 'QA'], { reason: 'waiting for QA', forMs: null }],
    [['hold', 'for', '7d'], { reason: 'hold', forMs: MAX_LOCK_MS }],
  ])('%j', (words, expected) => {
    expect(parseLockWords(words)).toEqual(expected);
  });

  it('needs a reason, and caps the duration at 7 days', () => {
    expect(parseLockWords([])).toEqual({ error: expect.stringContaining('needs a reason') });
    expect(parseLockWords(['for', '2h'])).toEqual({ error: expect.stringContaining('needs a reason') });
    expect(parseLockWords(['holiday', 'for', '8d'])).toEqual({ error: expect.stringContaining('at most') });
  });

  it('the commands: lock, unlock and locks', () => {
    expect(parseCommand('lock checkout production "db migration" for 2h')).toEqual({ kind: 'lock', ...TARGET, reason: 'db migration', forMs: 2 * HOUR });
    expect(parseCommand('unlock checkout production done early')).toEqual({ kind: 'unlock', ...TARGET, reason: 'done early' });
    expect(parseCommand('unlock checkout production')).toEqual({ kind: 'unlock', ...TARGET, reason: null });
    expect(parseCommand('locks')).toEqual({ kind: 'locks' });
    expect(parseCommand('lock checkout production')).toMatchObject({
      kind: 'parse_error',
      usage: USAGE.lock,
      message: expect.stringContaining('needs a reason'),
    });
    expect(parseCommand('lock checkout')).toMatchObject({ kind: 'parse_error', usage: USAGE.lock });
    expect(parseCommand('unlock Checkout production')).toMatchObject({ kind: 'parse_error', usage: USAGE.unlock });
    expect(parseCommand('locks checkout')).toMatchObject({ kind: 'parse_error', usage: USAGE.locks });
  });

  it("start takes --queue (and a chat app's dash for it); without it there is no queue field", () => {
    expect(parseCommand('start checkout 2.4.0 --queue')).toMatchObject({ kind: 'start', queue: true });
    expect(parseCommand('start checkout 2.4.0 —queue')).toMatchObject({ kind: 'start', queue: true });
    expect(parseCommand('start checkout 2.4.0')).not.toHaveProperty('queue');
  });
});

describe('who may lock and unlock', () => {
  it('deployers, on-call and admins may lock; others may not', () => {
    expect(mayLock(spec, ALICE, null, T0)).toEqual({ allowed: true });
    expect(mayLock(spec, CAROL, null, T0)).toEqual({ allowed: true });
    expect(mayLock(spec, DAVE, null, T0)).toEqual({ allowed: true });
    expect(mayLock(spec, MALLORY, null, T0)).toEqual({
      allowed: false,
      reason: 'Only deployers, on-call and admins may lock this service (alice, carol, dave).',
    });
  });

  it("someone else's lock is refused, naming holder, reason and expiry; the holder renews; an admin takes it over; an expired one is free", () => {
    const refused = mayLock(spec, CAROL, aliceLock(), at(1));
    expect(refused).toEqual({
      allowed: false,
      reason: 'checkout production is locked by alice since 14:00 UTC until 16:00 UTC (in 1h): “db migration”. Only alice or an admin (dave) may change it.',
    });
    expect(mayLock(spec, ALICE, aliceLock(), at(1))).toEqual({ allowed: true });
    expect(mayLock(spec, DAVE, aliceLock(), at(1))).toEqual({ allowed: true });
    expect(mayLock(spec, CAROL, aliceLock(), at(2))).toEqual({ allowed: true });
  });

  it('a manual lock: the holder or an admin unlocks it, with or without a reason', () => {
    expect(mayUnlock(spec, aliceLock(), ALICE, null)).toEqual({ allowed: true });
    expect(mayUnlock(spec, aliceLock(), DAVE, null)).toEqual({ allowed: true });
    expect(mayUnlock(spec, aliceLock(), CAROL, 'I need it')).toEqual({
      allowed: false,
      reason: 'Only alice (who took the lock) or an admin (dave) may unlock checkout production.',
    });
    // Same id on another platform is not the holder.
    expect(mayUnlock(spec, aliceLock(), { ...ALICE, platform: 'teams' }, null)).toMatchObject({ allowed: false });
  });

  it('a lock a rollback took: on-call, approvers or admins, and only with a reason', () => {
    expect(mayUnlock(spec, rolledBack, CAROL, 'fixed in 2.4.1')).toEqual({ allowed: true });
    expect(mayUnlock(spec, rolledBack, BOB, 'fixed in 2.4.1')).toEqual({ allowed: true });
    expect(mayUnlock(spec, rolledBack, DAVE, 'fixed in 2.4.1')).toEqual({ allowed: true });
    expect(mayUnlock(spec, rolledBack, ALICE, 'fixed')).toEqual({
      allowed: false,
      reason: 'checkout production was locked by a rollback: only on-call, approvers and admins may unlock it (carol, bob, dave).',
    });
    expect(mayUnlock(spec, rolledBack, CAROL, null)).toMatchObject({ allowed: false, reason: expect.stringContaining('say why it is safe again') });
    // Nobody holds it as a person: even the "Flightdeck" id from chat cannot lift it without the role.
    expect(mayUnlock(spec, rolledBack, { platform: 'slack', id: 'flightdeck', name: 'Flightdeck' }, 'ok')).toMatchObject({ allowed: false });
  });
});

describe('plan options', () => {
  it('admins must be people of the plan; lockAfterRollback defaults to false and reaches the spec', () => {
    const document = { ...planDocument(), admins: ['zed'] };
    expect(parsePlan(document)).toEqual({ ok: false, problems: [{ path: 'admins[0]', message: '"zed" is not listed under people or groups' }] });
    expect(buildSpec()).toMatchObject({ admins: [], lockAfterRollback: false });
    const locking = buildPlan((d) => Object.assign(d.environments.production, { lockAfterRollback: true }));
    expect(buildSpec(locking).lockAfterRollback).toBe(true);
    expect(spec.admins).toEqual([{ key: 'dave', ids: { slack: DAVE.id } }]);
  });
});

describe('lock cards', () => {
  it('show who, why, since and until', () => {
    const shown = lockCard(aliceLock(), at(0.5));
    expect(shown.title).toBe('🔒 checkout production is locked');
    expect(shown.fields.map((field) => [field.label, plain(field.value)])).toEqual([
      ['Locked by', '@alice'],
      ['Reason', 'db migration'],
      ['Since', '14:00 UTC'],
      ['Until', '16:00 UTC (in 1h 30m)'],
    ]);
    expect(plain(shown.context!)).toBe('Unlock with /deploy unlock checkout production [reason]');
    const after = lockCard(rolledBack, at(30));
    expect(after.fields.map((field) => plain(field.value))).toEqual([
      'Flightdeck, after checkout-7 ended in a rollback',
      rolledBack.reason,
      '2026-11-23 14:00 UTC',
      'someone unlocks it',
    ]);
    expect(plain(after.context!)).toContain('<reason>');
  });

  it('the list, the status lines and the refusal text', () => {
    expect(locksCard([], T0).title).toBe('No locks');
    expect(locksCard([aliceLock(), rolledBack], T0).body.map(plain)).toEqual([
      '🔒 checkout production — locked by @alice since 14:00 UTC until 16:00 UTC (in 2h): “db migration”',
      `🔒 checkout production — locked by Flightdeck, after checkout-7 ended in a rollback since 14:00 UTC until someone unlocks it: “${rolledBack.reason}”`,
    ]);
    const summary = { title: 'No active runs', tone: 'info' as const, body: [['Nothing is deploying right now.']], fields: [], buttons: [], context: null };
    expect(withLockLines(summary, [], T0)).toBe(summary);
    expect(withLockLines(summary, [aliceLock()], T0).body).toHaveLength(2);
    expect(lockedSummary(rolledBack, T0)).toBe(
      `checkout production is locked by Flightdeck after checkout-7 since 14:00 UTC until someone unlocks it: “${rolledBack.reason}”.`,
    );
  });
});

describe('admins override', () => {
  it('an admin may roll back, resume and cancel a run they are neither approver nor on-call of, but not approve it', () => {
    const spec = buildSpec(
      buildPlan((document) => {
        document.people = { ...document.people, dave: { slack: DAVE.id } } as typeof document.people;
        (document as Record<string, unknown>).admins = ['dave'];
      }),
    );
    expect(mayRollback(spec, DAVE).allowed).toBe(true);
    expect(mayCancel(spec, ALICE, DAVE).allowed).toBe(true);
    expect(mayDecide(spec, DAVE).allowed).toBe(false);
    expect(mayRollback(spec, MALLORY)).toEqual({ allowed: false, reason: 'Only approvers, on-call and admins may roll back this run (bob, carol, dave).' });
  });
});
