/**
 * The scripted story of `flightdeck demo --script`: a good version deployed and succeeding,
 * then a broken one rolled back automatically (on-call acknowledges the page), then a canary. Each line is typed by a person in the shell chat;
 * `waitFor` pauses until the run reaches one of the states.
 */
import type { RunState } from '../domain/run-types.ts';

export type StoryLine = { as: string; say: string } | { waitFor: RunState[]; run: string; timeoutMs: number };

export const DEMO_STORY: StoryLine[] = [
  { as: 'alice', say: '/deploy start demo 1.1.0' },
  { waitFor: ['awaiting_decision'], run: 'demo-1', timeoutMs: 30_000 },
  { as: 'alice', say: 'go' },
  { as: 'bob', say: 'go Staging looked good' },
  { waitFor: ['succeeded', 'rolled_back', 'rollback_failed', 'failed'], run: 'demo-1', timeoutMs: 60_000 },
  { as: 'alice', say: '/deploy start demo 1.2.0-broken' },
  { waitFor: ['awaiting_decision'], run: 'demo-2', timeoutMs: 30_000 },
  { as: 'bob', say: 'go' },
  { waitFor: ['succeeded', 'rolled_back', 'rollback_failed', 'failed'], run: 'demo-2', timeoutMs: 60_000 },
  { as: 'carol', say: 'ack demo-2' },
  { as: 'alice', say: '/deploy start demo 1.3.0 --strategy canary' },
  { waitFor: ['awaiting_decision'], run: 'demo-3', timeoutMs: 30_000 },
  { as: 'bob', say: 'go' },
  { waitFor: ['succeeded', 'rolled_back', 'rollback_failed', 'failed'], run: 'demo-3', timeoutMs: 60_000 },
  { as: 'alice', say: '/deploy status demo-2' },
];

/** What the story must end with, or the demo exits non-zero. */
export const EXPECTED_ENDINGS: Record<string, RunState> = { 'demo-1': 'succeeded', 'demo-2': 'rolled_back', 'demo-3': 'succeeded' };
