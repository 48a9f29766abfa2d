import { inject } from 'vitest';
import type { Runtime } from '../../src/runtime.ts';
import { freshPostgres, freshQueuePrefix } from './databases.ts';
import { FakeSlack } from './fake-slack.ts';
import { demoServiceEnv, startFlightdeck, stopDemoService } from './flightdeck.ts';
import { clickAndDecide, isDecisionAction, type DecisionInput } from './slack-decisions.ts';
import { blockActionBody, slackHeaders, slashCommandBody } from './slack-requests.ts';

export const USERS = {
  alice: { userId: 'U0DEMOALICE', userName: 'alice' },
  bob: { userId: 'U0DEMOBOB', userName: 'bob' },
  carol: { userId: 'U0DEMOCAROL', userName: 'carol' },
  mallory: { userId: 'U0MALLORY', userName: 'mallory' },
} as const;

/** Flightdeck with the real Bolt receiver on a real port, a real worker, real Postgres/Redis, and a fake Slack Web API. */
export async function startSlackFlightdeck(options: {
  worker: boolean;
  plansDir?: string;
  env?: (demo: { DEMO_PORT: string }) => Promise<Record<string, string>> | Record<string, string>;
  /** Flightdeck's own configuration beyond the test's services (e.g. PUBLIC_URL and LINK_SECRET). */
  config?: Record<string, string>;
  /** The database URL Flightdeck is given for the test's database (a proxy in front of it, say). */
  databaseUrlOf?: (url: string) => string;
}) {
  const db = await freshPostgres();
  const slack = await new FakeSlack().start();
  const demo = await demoServiceEnv();
  const queuePrefix = freshQueuePrefix();
  const extra = options.env ? await options.env(demo) : {};
  const runtime: Runtime = await startFlightdeck(
    {
      databaseUrl: options.databaseUrlOf?.(db.url) ?? db.url,
      redisUrl: inject('redisUrl'),
      queuePrefix,
      slackApiUrl: slack.url,
      ...(options.plansDir ? { plansDir: options.plansDir } : {}),
    },
    { http: true, worker: options.worker },
    { ...demo, ...extra },
    options.config ?? {},
  );
  const base = `http://127.0.0.1:${runtime.port}`;
  return {
    db,
    slack,
    runtime,
    queuePrefix,
    base,
    demo,
    async post(body: string, headers: Record<string, string>) {
      const response = await fetch(`${base}/slack/events`, { method: 'POST', body, headers });
      const text = await response.text();
      return { status: response.status, text, json: safeJson(text) };
    },
    command(user: keyof typeof USERS, text: string, extra: { triggerId?: string; headers?: Record<string, string> } = {}) {
      const body = slashCommandBody({ text, ...USERS[user], triggerId: extra.triggerId });
      return this.post(body, { ...slackHeaders(body), ...extra.headers });
    },
    /** A button click. GO / NO-GO / DEFER open the decision form: it is filled in with `form` and submitted, and the submission's response is returned. */
    async click(user: keyof typeof USERS, actionId: string, runId: string, form: DecisionInput = {}) {
      if (isDecisionAction(actionId)) {
        const { click, submission } = await clickAndDecide((body, headers) => this.post(body, headers), slack, { actionId, runId, ...USERS[user], ...form });
        return submission ?? click;
      }
      const body = blockActionBody({ actionId, runId, ...USERS[user] });
      return this.post(body, slackHeaders(body));
    },
    async stop() {
      await runtime.stop();
      stopDemoService(demo);
      await slack.stop();
      await db.drop();
    },
  };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
