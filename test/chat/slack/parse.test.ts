import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clickReplyTarget, homeClickOf, parseBlockAction, parseDecisionSubmission, parseHomeOpened, parseSlashCommand } from '../../../src/chat/slack/parse.ts';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/slack/${name}`, import.meta.url), 'utf8');

describe('Slack payloads, as Slack sends them', () => {
  it('a slash command becomes an actor, the command text and an idempotency key', () => {
    const body = Object.fromEntries(new URLSearchParams(fixture('slash-command-start.txt').trim()));
    expect(parseSlashCommand(body)).toEqual({
      actor: { platform: 'slack', id: 'U2147483697', name: 'alice' },
      text: 'start api 1.4.2 production',
      requestKey: 'slack:13345224609.738474920.8088930838d88f008e0',
      channel: 'C2147483705',
    });
  });

  it('a GO click becomes an action on a run', () => {
    expect(parseBlockAction(JSON.parse(fixture('block-actions-go.json')))).toEqual({
      actor: { platform: 'slack', id: 'U0DEMOBOB', name: 'bob' },
      action: 'run.go',
      runId: '3f0c5a8e-6a44-4b6e-9d0e-1c2b3a4d5e6f',
      channel: 'C0DEPLOYS',
      triggerId: '13345224609.738474920.8088930838d88f008e0',
    });
  });

  it('a submitted decision form becomes the decision, its rationale (trimmed) and the ticked acknowledgement', () => {
    expect(parseDecisionSubmission(JSON.parse(fixture('view-submission-go.json')))).toEqual({
      actor: { platform: 'slack', id: 'U0DEMOBOB', name: 'bob' },
      action: 'run.go',
      runId: '3f0c5a8e-6a44-4b6e-9d0e-1c2b3a4d5e6f',
      channel: 'C0DEPLOYS',
      rationale: 'Staging soaked for an hour',
      acknowledged: true,
      inputs: ['acknowledge', 'rationale'],
    });
  });

  it('a form left empty: no rationale, the box not ticked; a form without the box says nothing about it', () => {
    const payload = JSON.parse(fixture('view-submission-go.json'));
    const empty = {
      ...payload,
      view: {
        ...payload.view,
        state: {
          values: {
            acknowledge: { acknowledge: { type: 'checkboxes', selected_options: [] } },
            rationale: { rationale: { type: 'plain_text_input', value: null } },
          },
        },
      },
    };
    expect(parseDecisionSubmission(empty)).toMatchObject({ rationale: null, acknowledged: false });
    const noBox = { ...payload, view: { ...payload.view, state: { values: { rationale: { rationale: { type: 'plain_text_input', value: '   ' } } } } } };
    const parsed = parseDecisionSubmission(noBox);
    expect(parsed).toMatchObject({ rationale: null, inputs: ['rationale'] });
    expect(parsed).not.toHaveProperty('acknowledged');
  });

  it('refuses a form that is not ours or does not name a run and a decision', () => {
    const payload = JSON.parse(fixture('view-submission-go.json'));
    const withMetadata = (private_metadata: string) => ({ ...payload, view: { ...payload.view, private_metadata } });
    expect(parseDecisionSubmission({ ...payload, view: { ...payload.view, callback_id: 'someone.else' } })).toEqual({
      error: expect.stringContaining('fields Slack always sends'),
    });
    expect(parseDecisionSubmission(withMetadata('not json'))).toEqual({ error: expect.stringContaining('does not name a run') });
    expect(parseDecisionSubmission(withMetadata(JSON.stringify({ runId: 'demo-1', action: 'run.go', channel: 'C0DEPLOYS' })))).toEqual({
      error: expect.stringContaining('does not name a run'),
    });
    expect(
      parseDecisionSubmission(withMetadata(JSON.stringify({ runId: '3f0c5a8e-6a44-4b6e-9d0e-1c2b3a4d5e6f', action: 'run.drop', channel: 'C0DEPLOYS' }))),
    ).toEqual({ error: expect.stringContaining('does not name a run') });
  });

  it('refuses clicks on buttons that are not ours, or that name no run', () => {
    const payload = JSON.parse(fixture('block-actions-go.json'));
    expect(parseBlockAction({ ...payload, actions: [{ ...payload.actions[0], action_id: 'run.delete_everything' }] })).toEqual({
      error: expect.stringContaining('not one of Flightdeck'),
    });
    expect(parseBlockAction({ ...payload, actions: [{ ...payload.actions[0], value: 'demo-1; drop table runs' }] })).toEqual({
      error: expect.stringContaining('does not name a run'),
    });
    expect(parseBlockAction({ ...payload, actions: [{ ...payload.actions[0], value: '------------------------------------' }] })).toEqual({
      error: expect.stringContaining('does not name a run'),
    });
    expect(parseSlashCommand({ command: '/deploy' })).toEqual({ error: expect.any(String) });
  });

  it('a click that does not parse can still be answered privately, where it came from', () => {
    const payload = JSON.parse(fixture('block-actions-go.json'));
    expect(clickReplyTarget({ ...payload, actions: [] })).toEqual({ channel: 'C0DEPLOYS', user: 'U0DEMOBOB' });
    expect(clickReplyTarget({ ...payload, channel: undefined })).toEqual({ channel: 'C0DEPLOYS', user: 'U0DEMOBOB' });
    expect(clickReplyTarget({ type: 'block_actions' })).toBeNull();
  });

  it('a click in the App Home has no channel: it parses with channel null, and is answered in a modal, not privately', () => {
    const { channel: _channel, message: _message, container: _container, ...payload } = JSON.parse(fixture('block-actions-go.json'));
    const home = { ...payload, container: { type: 'view', view_id: 'V0HOME' }, view: { id: 'V0HOME', type: 'home' } };
    expect(parseBlockAction(home)).toMatchObject({ action: 'run.go', channel: null, triggerId: '13345224609.738474920.8088930838d88f008e0' });
    expect(clickReplyTarget(home)).toBeNull();
    expect(homeClickOf(home)).toEqual({ user: 'U0DEMOBOB', triggerId: '13345224609.738474920.8088930838d88f008e0' });
    // A message click without its channel is still refused, and a channel click is no home click.
    expect(parseBlockAction({ ...payload, container: { type: 'message' } })).toEqual({ error: expect.stringContaining('which channel') });
    expect(homeClickOf(JSON.parse(fixture('block-actions-go.json')))).toBeNull();
  });

  it('app_home_opened: who opened which tab; a malformed event is refused', () => {
    expect(parseHomeOpened({ type: 'app_home_opened', user: 'U0DEMOBOB', channel: 'D0BOB', tab: 'home', event_ts: '1.2' })).toEqual({
      actor: { platform: 'slack', id: 'U0DEMOBOB', name: 'U0DEMOBOB' },
      tab: 'home',
    });
    expect(parseHomeOpened({ type: 'app_home_opened', tab: 'home' })).toEqual({ error: expect.stringContaining('app_home_opened') });
  });
});
