import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { Run, RunEvent } from '../domain/run.ts';

/** Kept in step with ACTIVE_STATES in domain/run.ts (a test checks): the database enforces one active run per target. */
export const ACTIVE_STATES_SQL = `('queued','pre_checks','staging','awaiting_decision','deploying','verifying','monitoring','rolling_back')`;

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
    /** The run as its events fold into it; rebuildable with domain `replay`. */
    snapshot: jsonb('snapshot').$type<Run>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (table) => [uniqueIndex('one_active_run_per_target').on(table.service, table.environment).where(sql.raw(`state in ${ACTIVE_STATES_SQL}`))],
);

/** The audit trail: append-only, one row per event, numbered per run. */
export const runEvents = pgTable(
  'run_events',
  {
    runId: uuid('run_id').notNull().references(() => runs.id),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<RunEvent>().notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.seq] })],
);

/** One Go/No-Go decision per run; the unique key makes two racing clicks produce exactly one. */
export const decisions = pgTable('decisions', {
  runId: uuid('run_id').primaryKey().references(() => runs.id),
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
  },
  (table) => [index('outbox_pending').on(table.createdAt).where(sql`relayed_at is null`)],
);

/** The run's one status message on each platform, so every transition edits the same message. */
export const chatMessages = pgTable(
  'chat_messages',
  {
    runId: uuid('run_id').notNull().references(() => runs.id),
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
