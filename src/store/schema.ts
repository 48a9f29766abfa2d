import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { DEPLOY_ENDINGS, type RunOutcome } from '../domain/dora.ts';
import type { Actor } from '../domain/identity.ts';
import type { Lock, LockKind } from '../domain/lock.ts';
import { TERMINAL_STATES, type Run, type RunEvent } from '../domain/run-types.ts';
import type { RunSpec } from '../domain/spec.ts';

/**
 * The database enforces one active run per target. "Active" is "not ended", so a state added to the
 * domain is active without a migration; the ended states are few and final.
 */
const ENDED_STATES_SQL = `(${TERMINAL_STATES.map((state) => `'${state}'`).join(',')})`;
/** The endings of runs that changed production (domain/dora.ts): what DORA counts as a deploy. */
const DEPLOY_ENDINGS_SQL = `(${DEPLOY_ENDINGS.map((state) => `'${state}'`).join(',')})`;

/**
 * What runs do (domain/spec.ts), stored once per content: a run names its spec by hash (sha256 of its JSON),
 * so neither the run's snapshot nor its `requested` event repeats it. A row never changes, so readers
 * cache it by hash (store/run-specs.ts).
 */
export const runSpecs = pgTable('run_specs', {
  hash: text('hash').primaryKey(),
  spec: jsonb('spec').$type<RunSpec>().notNull(),
});

export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey(),
    key: text('key').notNull().unique(),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    version: text('version').notNull(),
    state: text('state').notNull(),
    /** Idempotency key of the request that created the run (e.g. Slack's trigger_id): a retry finds this run. */
    requestKey: text('request_key').unique(),
    seq: integer('seq').notNull(),
    /** The run as its events fold into it, less its spec (spec_hash); rebuildable with domain `replay`. */
    snapshot: jsonb('snapshot').$type<Omit<Run, 'spec'>>().notNull(),
    /** The run's spec, which never changes once the run is created. */
    specHash: text('spec_hash')
      .notNull()
      .references(() => runSpecs.hash),
    /** Once the run has ended: what DORA reads of it (domain/dora.ts outcomeOf), small, so /deploy stats never reads snapshots. */
    outcome: jsonb('outcome').$type<RunOutcome>(),
    /**
     * When the run's earliest queued work is due (domain/overdue.ts workDueAt), written with every snapshot:
     * the sweeper reads only active runs whose work is overdue. Null: it waits for none.
     */
    workDueAt: timestamp('work_due_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    uniqueIndex('one_active_run_per_target')
      .on(table.service, table.environment)
      .where(sql.raw(`state not in ${ENDED_STATES_SQL}`)),
    // What runs on a target now and what ran there before (store/target-facts.ts, store/runs.ts succeededVersions): a target's successes, newest first.
    index('succeeded_runs_by_target')
      .on(table.service, table.environment, table.updatedAt.desc(), table.createdAt.desc())
      .where(sql`state = 'succeeded'`),
    // The enforced order (requiresSuccessIn): did this version succeed there? One probe, however many successes the target has.
    index('succeeded_runs_by_version')
      .on(table.service, table.environment, table.version)
      .where(sql`state = 'succeeded'`),
    // `/deploy history <service>` (store/history.ts): a service's runs, newest first.
    index('runs_by_service').on(table.service, table.createdAt.desc()),
    // `/deploy stats` (store/history.ts): the deploys that ended in a window, per target or across every one.
    index('deploys_by_target')
      .on(table.service, table.environment, table.updatedAt)
      .where(sql.raw(`state in ${DEPLOY_ENDINGS_SQL}`)),
    index('deploys_by_time')
      .on(table.updatedAt)
      .where(sql.raw(`state in ${DEPLOY_ENDINGS_SQL}`)),
  ],
);

/** The audit trail: append-only, one row per event, numbered per run. */
export const runEvents = pgTable(
  'run_events',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<RunEvent>().notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.seq] })],
);

/** One Go/No-Go decision per run; the unique key makes two racing clicks produce exactly one. */
export const decisions = pgTable('decisions', {
  runId: uuid('run_id')
    .primaryKey()
    .references(() => runs.id),
  decision: text('decision').notNull(),
  byPlatform: text('by_platform').notNull(),
  byId: text('by_id').notNull(),
  byName: text('by_name').notNull(),
  rationale: text('rationale'),
  at: timestamp('at', { withTimezone: true }).notNull(),
});

/** Work to hand to the queue, written in the same transaction as the event that caused it. */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey(),
    runId: uuid('run_id').notNull(),
    queue: text('queue').notNull(),
    payload: jsonb('payload').notNull(),
    runAt: timestamp('run_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    relayedAt: timestamp('relayed_at', { withTimezone: true }),
    /** The BullMQ job id when it is not the row id: every row of one step names the step's one job (queue/jobs.ts stepJobId). */
    jobId: text('job_id'),
  },
  (table) => [
    index('outbox_pending')
      .on(table.createdAt)
      .where(sql`relayed_at is null`),
  ],
);

/** The run's one status message on each platform, so every transition edits the same message. */
export const chatMessages = pgTable(
  'chat_messages',
  {
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    platform: text('platform').notNull(),
    channel: text('channel').notNull(),
    messageId: text('message_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.platform] })],
);

export const runCounters = pgTable('run_counters', {
  service: text('service').primaryKey(),
  last: integer('last').notNull(),
});

/**
 * Where Flightdeck may post in Teams: the conversation reference of every team, channel and chat it
 * was installed in or spoken to, keyed by conversation id (the id a plan names as its Teams channel).
 * The worker uses it to post proactively from another process.
 */
export const teamsConversations = pgTable('teams_conversations', {
  conversationId: text('conversation_id').primaryKey(),
  reference: jsonb('reference').$type<Record<string, unknown>>().notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});

/** Pages (domain/page.ts): on-call told that production needs a human, repeated until someone acknowledges. */
export const pages = pgTable(
  'pages',
  {
    id: uuid('id').primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    reason: text('reason').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    acknowledgedBy: jsonb('acknowledged_by').$type<Actor>(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    remindersSent: integer('reminders_sent').notNull(),
    /** Null once acknowledged or when repeating has stopped: the sweeper looks only at the others. */
    nextReminderAt: timestamp('next_reminder_at', { withTimezone: true }),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
  },
  (table) => [
    index('pages_next_reminder')
      .on(table.nextReminderAt)
      .where(sql`next_reminder_at is not null`),
  ],
);

/** Every message carrying a page's Acknowledge button (the channel mention, each direct message), so all of them are edited once it is taken. */
export const pageMessages = pgTable(
  'page_messages',
  {
    pageId: uuid('page_id')
      .notNull()
      .references(() => pages.id),
    platform: text('platform').notNull(),
    channel: text('channel').notNull(),
    messageId: text('message_id').notNull(),
  },
  (table) => [primaryKey({ columns: [table.pageId, table.channel, table.messageId] })],
);

/**
 * Locks (domain/lock.ts): at most one row per service and environment, so two people locking at once
 * make one holder. An expired row is inactive as it stands; the sweeper deletes it and logs the expiry.
 */
export const locks = pgTable(
  'locks',
  {
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    by: jsonb('by').$type<Actor>().notNull(),
    reason: text('reason').notNull(),
    since: timestamp('since', { withTimezone: true }).notNull(),
    /** Null: until someone unlocks it. */
    until: timestamp('until', { withTimezone: true }),
    kind: text('kind').$type<LockKind>().notNull(),
    /** The run whose rollback took the lock. */
    runKey: text('run_key'),
  },
  (table) => [primaryKey({ columns: [table.service, table.environment] })],
);

/** The locks' audit trail, append-only: every lock, take-over, unlock, expiry, refusal and queued start. */
export const lockEvents = pgTable(
  'lock_events',
  {
    id: uuid('id').primaryKey(),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    action: text('action').notNull(),
    /** Who asked; null when Flightdeck acted (an expiry, a rollback's lock). */
    by: jsonb('by').$type<Actor>(),
    /** What they said. */
    reason: text('reason'),
    /** What happened, or why it was refused. */
    detail: text('detail'),
    /** The lock taken or lifted. */
    lock: jsonb('lock').$type<Lock>(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (table) => [index('lock_events_target').on(table.service, table.environment, table.at)],
);

/** Starts waiting for their target to free (`--queue`); the worker replays each through the start command, oldest first. */
export const queuedStarts = pgTable(
  'queued_starts',
  {
    id: uuid('id').primaryKey(),
    service: text('service').notNull(),
    environment: text('environment').notNull(),
    version: text('version').notNull(),
    /** The start command as typed, without --queue. */
    command: text('command').notNull(),
    requestedBy: jsonb('requested_by').$type<Actor>().notNull(),
    /** The queuing request's platform id: a retried request queues nothing more. */
    requestKey: text('request_key').unique(),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('queued_starts_target').on(table.service, table.environment, table.queuedAt)],
);

/** The audit trail of refusals: every action a person asked for and was refused, with the reason they were given. */
export const refusals = pgTable(
  'refusals',
  {
    id: uuid('id').primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    by: jsonb('by').$type<Actor>().notNull(),
    /** What was asked: "start", "decision go", "rollback", "promote", … */
    action: text('action').notNull(),
    /** What it was asked of: a run key, or "service environment". */
    target: text('target').notNull(),
    runId: uuid('run_id').references(() => runs.id),
    reason: text('reason').notNull(),
  },
  (table) => [index('refusals_target').on(table.target, table.at)],
);

/**
 * When each deployed commit was made, for DORA's lead time: a run started with `--commit <sha>` names
 * it, and the commit lookup (the plan's `commits.url`, app/commit-lookup.ts) or the start itself
 * (`--commit <sha>@<time>`) fills the time in. Not a run event: it describes the code, not the run.
 */
export const commits = pgTable(
  'commits',
  {
    service: text('service').notNull(),
    sha: text('sha').notNull(),
    committedAt: timestamp('committed_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.service, table.sha] })],
);

/**
 * Slack users who have opened Flightdeck's App Home at least once (the Home tab): only their home is
 * republished when a run they can act on moves, so Flightdeck never publishes views nobody looks at.
 */
export const slackHomeUsers = pgTable('slack_home_users', {
  userId: text('user_id').primaryKey(),
  firstOpenedAt: timestamp('first_opened_at', { withTimezone: true }).notNull(),
  lastOpenedAt: timestamp('last_opened_at', { withTimezone: true }).notNull(),
});

/**
 * A run's post-deployment review reminder (the plan's `review: { after }`), from the ending that
 * scheduled it until it is posted. Its job waits in Redis for days; should Redis lose it (no AOF), the
 * sweeper finds the row unposted and enqueues it again (domain/overdue.ts overdueReview).
 */
export const reviews = pgTable(
  'reviews',
  {
    runId: uuid('run_id')
      .primaryKey()
      .references(() => runs.id),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    /** When its job was last enqueued (the ending, or the sweeper's latest try). */
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull(),
    /** How many times the sweeper enqueued it again: each try has its own job id (queue/jobs.ts reviewJobId). */
    resent: integer('resent').notNull().default(0),
    postedAt: timestamp('posted_at', { withTimezone: true }),
  },
  (table) => [
    index('reviews_unposted')
      .on(table.dueAt)
      .where(sql`posted_at is null`),
  ],
);
