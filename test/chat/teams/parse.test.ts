import { describe, expect, it } from 'vitest';
import { actorOf, decisionInputIds, parseCardAction } from '../../../src/chat/teams/parse.ts';
import { ACTIONS } from '../../../src/domain/cards.ts';

const RUN = '3f0c5a8e-6a44-4b6e-9d0e-1c2b3a4d5e6f';

/** Action.Execute data as Teams sends it: the action's own data with the form's inputs merged in, by input id. */
describe('Teams card actions', () => {
  it('a GO form submitted: rationale (trimmed) and the acknowledgement toggle', () => {
    const ids = decisionInputIds(ACTIONS.go);
    expect(parseCardAction(ACTIONS.go, { runId: RUN, [ids.rationale]: '  staging soaked an hour ', [ids.acknowledged]: 'true' })).toEqual({
      action: ACTIONS.go,
      runId: RUN,
      rationale: 'staging soaked an hour',
      acknowledged: true,
    });
    expect(parseCardAction(ACTIONS.go, { runId: RUN, [ids.acknowledged]: 'false' })).toEqual({
      action: ACTIONS.go,
      runId: RUN,
      rationale: null,
      acknowledged: false,
    });
  });

  it('a bare click (no inputs) still parses: no rationale, nothing said about the acknowledgement', () => {
    expect(parseCardAction(ACTIONS.go, { runId: RUN })).toEqual({ action: ACTIONS.go, runId: RUN, rationale: null });
  });

  it('reads only the inputs of the clicked form, also from the Action.Submit fallback (verb in data)', () => {
    const data = {
      runId: RUN,
      verb: ACTIONS.noGo,
      [decisionInputIds(ACTIONS.go).rationale]: 'not this one',
      [decisionInputIds(ACTIONS.noGo).rationale]: 'error budget spent',
    };
    expect(parseCardAction(undefined, data)).toEqual({ action: ACTIONS.noGo, runId: RUN, rationale: 'error budget spent' });
  });

  it('refuses a form that is not as Flightdeck sent it; other buttons carry no rationale', () => {
    const ids = decisionInputIds(ACTIONS.defer);
    expect(parseCardAction(ACTIONS.defer, { runId: RUN, [ids.rationale]: 'x'.repeat(2_001) })).toEqual({ error: expect.stringContaining('at most 2000') });
    expect(parseCardAction(ACTIONS.defer, { runId: RUN, [ids.rationale]: { nested: true } })).toEqual({ error: expect.any(String) });
    expect(parseCardAction(ACTIONS.rollback, { runId: RUN, 'run.rollback.rationale': 'ignored' })).toEqual({
      action: ACTIONS.rollback,
      runId: RUN,
      rationale: null,
    });
    expect(parseCardAction(ACTIONS.go, { runId: 'demo-1' })).toEqual({ error: expect.stringContaining('does not name a run') });
  });
});

describe('actorOf: the zone Teams tells', () => {
  it('keeps an IANA localTimezone, and ignores one that is not a zone', () => {
    const from = { id: '29:1', name: 'Bob', aadObjectId: '0b0b0000-0000-4000-8000-000000000002' };
    expect(actorOf({ from, localTimezone: 'Europe/Berlin' })).toEqual({ platform: 'teams', id: from.aadObjectId, name: 'Bob', zone: 'Europe/Berlin' });
    expect(actorOf({ from, localTimezone: 'Middle Earth/Shire' })).toEqual({ platform: 'teams', id: from.aadObjectId, name: 'Bob' });
  });
});
