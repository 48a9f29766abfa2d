import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { ActionId } from '../../src/domain/cards.ts';
import type { Runtime } from '../../src/runtime.ts';
import { freshPostgres, freshQueuePrefix } from './databases.ts';
import { FakeConnector } from './fake-connector.ts';
import { FakeSlack } from './fake-slack.ts';
import { FakeSocketMode } from './fake-socket-mode.ts';
import { demoServiceEnv, startFlightdeck, stopDemoService, waitFor } from './flightdeck.ts';
import { decisionInputIds } from '../../src/chat/teams/parse.ts';
import { clickAndDecide, isDecisionAction, type DecisionInput, type SlackPost } from './slack-decisions.ts';
import { blockActionBody, slackHeaders, slashCommandBody } from './slack-requests.ts';

export type Person = 'alice' | 'bob' | 'carol' | 'mallory' | 'dave';

const PEOPLE: Record<Person, { slack: string; teams: string }> = {
  alice: { slack: 'U0DEMOALICE', teams: '0a11ce00-0000-4000-8000-000000000001' },
  bob: { slack: 'U0DEMOBOB', teams: '0b0b0000-0000-4000-8000-000000000002' },
  carol: { slack: 'U0DEMOCAROL', teams: '0ca201a0-0000-4000-8000-000000000003' },
  mallory: { slack: 'U0MALLORY', teams: '0ba00000-0000-4000-8000-0000000000ff' },
  // Listed in the plan by UPN only: Teams identifies him by AAD object id, the roster adds the UPN.
  dave: { slack: 'U0NOTDAVE', teams: '0da7e000-0000-4000-8000-000000000004' },
};
const TEAMS_CHANNEL = '19:demo-deploys@thread.tacv2';
const BOT = { id: '28:flightdeck-bot', name: 'Flightdeck' };
const APP_TOKEN = 'xapp-1-A0FLIGHTDECK-1-platforms';

/** A chat platform and how it reaches Flightdeck: Slack over HTTP (signed requests) or over Socket Mode (envelopes), Teams. */
export type Transport = 'slack' | 'slack-socket' | 'teams';

/** One chat platform, driven as its users drive it: what a shared scenario needs and nothing more. */
export interface Driver {
  readonly platform: 'slack' | 'teams';
  readonly runtime: Runtime;
  /** Types a command ("start demo 1.1.0") and returns the private answer. */
  command(person: Person, text: string): Promise<string>;
  /**
   * Clicks a button of a run's card and returns what the clicker alone is told ('' when nothing).
   * GO / NO-GO / DEFER fill in the decision form as the platform shows it (Slack: a modal; Teams: the
   * button's ShowCard inputs) with `form`; NO-GO and DEFER get a stock rationale unless given one.
   */
  click(person: Person, action: ActionId, runId: string, form?: DecisionInput): Promise<string>;
  /** Everything shown in the plan's channel so far: posts and edits, serialized. */
  channel(): string[];
  /** How a mention of a person reads on this platform. */
  mention(person: Person): string;
  /** Teams: the members whose roster entry the bot read from the connector, one entry per read. */
  rosterReads?(): string[];
  stop(): Promise<void>;
}

export async function startDriver(transport: Transport, options: { plansDir?: string } = {}): Promise<Driver> {
  const db = await freshPostgres();
  const slack = await new FakeSlack().start();
  // Socket Mode: Flightdeck holds a connection to this stand-in and gets no signing secret at all.
  const socket = transport === 'slack-socket' ? await new FakeSocketMode(slack).start() : null;
  const connector = await new FakeConnector().start();
  const demo = await demoServiceEnv();
  const services = {
    databaseUrl: db.url,
    redisUrl: inject('redisUrl'),
    queuePrefix: freshQueuePrefix(),
    slackApiUrl: slack.url,
    ...(options.plansDir ? { plansDir: options.plansDir } : {}),
  };
  // Teams here is the fake connector's, with no app id: unauthenticated by name (the flag), never by default.
  const extra: Record<string, string> = { TEAMS_ALLOW_UNAUTHENTICATED: 'true', ...(socket ? { SLACK_APP_TOKEN: APP_TOKEN, SLACK_SIGNING_SECRET: '' } : {}) };
  const runtime = await startFlightdeck(services, { http: true, worker: true }, demo, extra);
  const base = `http://127.0.0.1:${runtime.port}`;
  const stop = async () => {
    await runtime.stop();
    stopDemoService(demo);
    await socket?.stop();
    await slack.stop();
    await connector.stop();
    await db.drop();
  };
  if (transport === 'teams') return teamsDriver(runtime, base, connector, stop);
  const post: SlackPost = socket
    ? (body) => socket.deliver(body)
    : async (body, headers) => {
        const response = await fetch(`${base}/slack/events`, { method: 'POST', body, headers });
        const text = await response.text();
        return { status: response.status, text, json: text ? JSON.parse(text) : null };
      };
  return slackDriver(runtime, post, slack, stop);
}

/** What a Slack user reads: mrkdwn's escapes undone. */
function visible(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Slack as its users drive it, over either transport: `post` takes a request as Slack would POST it and returns the ack. */
function slackDriver(runtime: Runtime, post: SlackPost, slack: FakeSlack, stop: () => Promise<void>): Driver {
  const send = (body: string) => post(body, slackHeaders(body));
  return {
    platform: 'slack',
    runtime,
    async command(person, text) {
      const response = await send(slashCommandBody({ text, userId: PEOPLE[person].slack, userName: person }));
      return visible(JSON.stringify(response.json));
    },
    async click(person, action, runId, form = {}) {
      const before = slack.called('chat.postEphemeral').length;
      if (isDecisionAction(action)) {
        const { submission } = await clickAndDecide(post, slack, { actionId: action, runId, userId: PEOPLE[person].slack, userName: person, ...form });
        // A refusal about an input stays in the form, on that input.
        if (submission?.json?.response_action === 'errors') return visible(Object.values(submission.json.errors as Record<string, string>).join(' '));
      } else {
        await send(blockActionBody({ actionId: action, runId, userId: PEOPLE[person].slack, userName: person }));
      }
      const answer = await waitFor('the private answer', async () => slack.called('chat.postEphemeral')[before]);
      return visible(slack.textOf(answer));
    },
    channel: () =>
      slack.calls
        .filter((call) => ['chat.postMessage', 'chat.update'].includes(call.method) && call.args.channel === 'C0DEPLOYS')
        .map((call) => slack.textOf(call)),
    mention: (person) => `<@${PEOPLE[person].slack}>`,
    stop,
  };
}

async function teamsDriver(runtime: Runtime, base: string, connector: FakeConnector, stop: () => Promise<void>): Promise<Driver> {
  const activity = (person: Person, fields: Record<string, unknown>) => ({
    id: randomUUID(),
    channelId: 'msteams',
    serviceUrl: connector.url,
    timestamp: new Date().toISOString(),
    from: { id: `29:${person}`, name: person, aadObjectId: PEOPLE[person].teams },
    recipient: BOT,
    conversation: { id: TEAMS_CHANNEL, conversationType: 'channel', isGroup: true, tenantId: 'tenant-1' },
    channelData: { tenant: { id: 'tenant-1' }, team: { id: '19:team@thread.tacv2' }, channel: { id: TEAMS_CHANNEL } },
    ...fields,
  });
  const post = async (body: Record<string, unknown>) =>
    fetch(`${base}/api/messages`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  connector.members.set('29:dave', {
    id: '29:dave',
    name: 'dave',
    aadObjectId: PEOPLE.dave.teams,
    userPrincipalName: 'dave@contoso.example',
    email: 'dave@contoso.example',
  });
  // Flightdeck is added to the team: it learns where to post.
  const install = await post(activity('alice', { type: 'conversationUpdate', membersAdded: [BOT] }));
  if (install.status >= 300) throw new Error(`installing the bot answered ${install.status}`);
  return {
    platform: 'teams',
    runtime,
    rosterReads: () => [...connector.rosterReads],
    async command(person, text) {
      const message = activity(person, {
        type: 'message',
        text: `<at>Flightdeck</at> deploy ${text}`,
        entities: [{ type: 'mention', text: '<at>Flightdeck</at>', mentioned: BOT }],
      });
      const response = await post(message);
      if (response.status >= 300) throw new Error(`message answered ${response.status}`);
      const reply = await waitFor('the reply', async () => connector.calls.find((call) => call.activityId === message.id));
      return connector.shown(reply);
    },
    async click(person, action, runId, form) {
      const response = await post(
        activity(person, {
          type: 'invoke',
          name: 'adaptiveCard/action',
          value: { action: { type: 'Action.Execute', verb: action, data: { runId, ...teamsFormData(action, form) } } },
        }),
      );
      const body = await response.json();
      return body.type === 'application/vnd.microsoft.activity.message' ? String(body.value) : '';
    },
    channel: () => connector.calls.filter((call) => call.conversationId.startsWith(TEAMS_CHANNEL)).map((call) => connector.shown(call)),
    mention: (person) => `<at>${person}</at>`,
    stop,
  };
}

/**
 * What Teams adds to an Action.Execute's data from the ShowCard's inputs, keyed by input id. A GO with no
 * form given is the bare click (no inputs sent); NO-GO and DEFER carry a stock rationale unless given one.
 */
function teamsFormData(action: ActionId, form: DecisionInput | undefined): Record<string, string> {
  if (!isDecisionAction(action)) return {};
  const ids = decisionInputIds(action);
  const rationale = form?.rationale === undefined ? (action === 'run.go' ? null : `${action === 'run.defer' ? 'DEFER' : 'NO-GO'} for a test`) : form.rationale;
  return {
    ...(rationale === null ? {} : { [ids.rationale]: rationale }),
    ...(form?.acknowledged === undefined ? {} : { [ids.acknowledged]: String(form.acknowledged) }),
  };
}
