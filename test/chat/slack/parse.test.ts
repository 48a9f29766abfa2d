import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clickReplyTarget, parseBlockAction, parseDecisionSubmission, parseSlashCommand } from '../../../src/chat/slack/parse.ts';

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
});
