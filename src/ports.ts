import type { Card } from './domain/cards.ts';
import type { Platform } from './domain/identity.ts';
import type { Reading, VersionTally } from './domain/assess.ts';
import type { VersionProbe } from './domain/rollback-plan.ts';
import type { HttpProbe, MetricMonitor } from './domain/plan.ts';
import type { StepAction } from './domain/steps.ts';
import type { CommitLookup } from './domain/commit-lookup.ts';

/** Where a message lives on its platform, so it can be edited or replied to. */
export interface MessageRef {
  channel: string;
  id: string;
}

/** What the app needs from a chat platform. Kept small on purpose: each method is one platform call. */
export interface ChatPlatform {
  readonly platform: Platform;
  postCard(channel: string, card: Card, thread?: MessageRef): Promise<MessageRef>;
  updateCard(ref: MessageRef, card: Card): Promise<void>;
  /** Plain (markdown-ish) text, e.g. a stage log line or the deployment report, threaded when `thread` is given. */
  postText(channel: string, text: string, thread?: MessageRef): Promise<MessageRef>;
  /** A direct message to one person (their id on this platform), e.g. a page; the ref allows editing it later. */
  postDirect(personId: string, card: Card): Promise<MessageRef>;
  /** A person's home in the app (Slack's App Home tab: views.publish), replaced whole; platforms without one leave it out. */
  publishHome?(personId: string, home: Card[]): Promise<void>;
}

/** The variables a step may see: the run's identity. User-supplied values arrive validated. */
export interface StepContext {
  runId: string;
  runKey: string;
  service: string;
  version: string;
  environment: string;
  /** What the last successful run of this service and environment deployed, if any. */
  previousVersion?: string | null;
}

export interface StepOutcome {
  ok: boolean;
  /** One line for chat and the run's record. */
  summary: string;
  /** Captured output (tail), for the log. */
  output: string;
  durationMs: number;
}

/** Runs one kind of step. A failing deploy is `ok: false`; only faults of our own infrastructure throw. */
export interface Executor {
  run(action: StepAction, context: StepContext): Promise<StepOutcome>;
}

export interface Measurement {
  healthy: boolean;
  detail: string;
}

/** Measures production. Errors are values: a monitor never throws. */
export interface Monitor {
  check(probe: HttpProbe, context: StepContext): Promise<Measurement>;
  /** Which versions answer production traffic (a rollback's validation). */
  versions(probe: VersionProbe, context: StepContext): Promise<VersionTally>;
}

/** Reads one metric for a check. Errors are values: an unreadable metric is `value: null`, never a throw. */
export interface MetricSource {
  read(monitor: MetricMonitor, context: StepContext): Promise<Reading>;
}

/** When a commit was made, asked of the plan's `commits` lookup (monitors/commit-time.ts). Errors are values, masked: never a throw. */
export interface CommitTimes {
  lookUp(lookup: CommitLookup, sha: string, context: StepContext): Promise<{ ok: true; at: Date } | { ok: false; problem: string }>;
}

/** Teams conversation references the bot heard (store/teams.ts keeps them), so a worker can post there later. */
export interface ConversationReferences {
  save(conversationId: string, reference: Record<string, unknown>, at: Date): Promise<void>;
  find(conversationId: string): Promise<Record<string, unknown> | null>;
  /** The reference Flightdeck heard from last: where a new conversation (a direct message) can be opened from. */
  latest(): Promise<Record<string, unknown> | null>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Signed links to serve's pages (http/links.ts), posted with a run's messages; absent without PUBLIC_URL and LINK_SECRET. */
export interface RunLinks {
  runUrl(key: string, now: Date): string;
  serviceUrl(service: string, now: Date): string;
}
