import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';

/**
 * An open-loop load generator: request i is due at start + i / rate, whatever happened to the ones before,
 * and its latency is counted from when it was due (not from when it was sent), so a server that falls
 * behind cannot hide its queue (no coordinated omission). Bodies are prepared (signed) before the phase.
 */

export interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface Outcome {
  /** Milliseconds from due to the last byte of the answer; null: no answer within the timeout. */
  latencyMs: number | null;
  /** Milliseconds from due to sent: the generator's own lag (its event loop busy), counted in latencyMs as well. */
  sendLagMs: number;
  /** When it was due, in ms from the phase's start. */
  dueMs: number;
  status: number;
  body: string;
}

export interface PhaseResult {
  rate: number;
  achievedRate: number;
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Not 200, no answer in time, an answer the check refuses, or later than the platform's deadline (Slack's 3 s unless given). */
  errors: number;
  late: number;
  /** Answers the check counted as what we asked for (e.g. "Run … created"). */
  accepted: number;
  /** The generator's own lag sending (p99 and max): when it is near p99, the load generator, not the server, was behind. */
  sendLagP99: number;
  sendLagMax: number;
}

const SLACK_DEADLINE_MS = 3_000;
const agent = new Agent({ keepAlive: true, maxSockets: 2_000 });

function send(port: number, prepared: Prepared, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: prepared.path,
        headers: { ...prepared.headers, 'content-length': Buffer.byteLength(prepared.body) },
        agent,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', () => resolve({ status: 0, body: '' }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end(prepared.body);
  });
}

/** How an answer counts: the one asked for (a run created), another good answer (a polite refusal), or an error. */
export type Verdict = 'accepted' | 'answered' | 'error';
export type Check = (status: number, body: string) => Verdict;

/** Sends `requests` at `rate` per second to 127.0.0.1:port; `check` judges each answer; later than `deadlineMs` is late. */
export async function runPhase(
  port: number,
  rate: number,
  requests: Prepared[],
  check: Check,
  timeoutMs = 10_000,
  deadlineMs = SLACK_DEADLINE_MS,
): Promise<PhaseResult> {
  const started = performance.now();
  const interval = 1_000 / rate;
  const pending: Promise<Outcome>[] = [];
  let lastSent = started;
  for (let i = 0; i < requests.length;) {
    const now = performance.now();
    while (i < requests.length && started + i * interval <= now) {
      const due = started + i * interval;
      const prepared = requests[i]!;
      const sendLagMs = performance.now() - due;
      pending.push(
        send(port, prepared, timeoutMs).then(({ status, body }) => ({
          latencyMs: status === 0 ? null : performance.now() - due,
          sendLagMs,
          dueMs: due - started,
          status,
          body,
        })),
      );
      lastSent = performance.now();
      i++;
    }
    if (i < requests.length) await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + i * interval - performance.now())));
  }
  const outcomes = await Promise.all(pending);
  if (process.env.BENCH_TIMELINE) dumpTimeline(port, rate, outcomes);
  return summarize(rate, outcomes, (lastSent - started) / 1_000, check, deadlineMs);
}

function summarize(rate: number, outcomes: Outcome[], sendingSeconds: number, check: Check, deadlineMs: number): PhaseResult {
  const latencies = outcomes.map((outcome) => outcome.latencyMs ?? Infinity).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
  const answered = outcomes.filter((outcome) => outcome.latencyMs !== null);
  const late = answered.filter((outcome) => outcome.latencyMs! > deadlineMs).length;
  const lags = outcomes.map((outcome) => outcome.sendLagMs).sort((a, b) => a - b);
  const onTime = answered.filter((outcome) => outcome.latencyMs! <= deadlineMs);
  const accepted = onTime.filter((outcome) => check(outcome.status, outcome.body) === 'accepted').length;
  const refused = onTime.filter((outcome) => check(outcome.status, outcome.body) === 'error').length;
  return {
    rate,
    // The rate the generator really sent at (it can fall behind on a busy machine).
    achievedRate: sendingSeconds > 0 ? (outcomes.length - 1) / sendingSeconds : outcomes.length,
    count: outcomes.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: latencies.at(-1) ?? NaN,
    errors: outcomes.length - answered.length + late + refused,
    late,
    accepted,
    sendLagP99: lags[Math.min(lags.length - 1, Math.ceil(0.99 * lags.length) - 1)] ?? NaN,
    sendLagMax: lags.at(-1) ?? NaN,
  };
}

/** BENCH_TIMELINE=dir: each phase's requests (due, send lag, latency, status) as JSON lines, to find when a stall happened. */
function dumpTimeline(port: number, rate: number, outcomes: Outcome[]): void {
  const file = join(process.env.BENCH_TIMELINE!, `timeline-${port}-${rate}-${Date.now()}.jsonl`);
  mkdirSync(process.env.BENCH_TIMELINE!, { recursive: true });
  writeFileSync(file, outcomes.map(({ dueMs, sendLagMs, latencyMs, status }) => JSON.stringify({ dueMs, sendLagMs, latencyMs, status })).join('\n'));
}
