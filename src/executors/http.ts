import { formatDuration } from '../domain/duration.ts';
import type { HttpProbe } from '../domain/plan.ts';
import type { HttpCall, StepAction } from '../domain/steps.ts';
import type { Measurement, StepContext, StepOutcome } from '../ports.ts';
import { interpolate, mask } from './interpolate.ts';
import { maskUrl, urlSecrets } from './masking.ts';

type HttpAction = Extract<StepAction, { kind: 'http' }>;

/** One call's verdict. `final`: calling again cannot help (a rejected token, a missing variable), with why when the detail does not say. */
type Attempt = { passed: true; detail: string } | { passed: false; detail: string; final: { why: string | null } | null; retryAfterMs: number | null };

/** How much of an unexpected answer's body a summary quotes. */
const EXCERPT = 200;
/** Retry-After and backoff waits are capped here when the plan gives no backoff.max (or at the interval, if longer). */
const DEFAULT_MAX_WAIT = 60_000;

/** One HTTP probe (a health check). Never throws: a refused connection is an unhealthy measurement with its reason. */
export async function probe(config: HttpProbe, context: StepContext, env: NodeJS.ProcessEnv): Promise<Measurement> {
  const attempt = await call(config, context, env);
  return { healthy: attempt.passed, detail: attempt.detail };
}

/**
 * An HTTP step: the call, tried up to `attempts` times, then its `waitFor` poll, if any. Waits grow by
 * `backoff.factor` up to `backoff.max`; a server's Retry-After is honoured within the same cap. A
 * final answer (most 4xx) stops at once. Every line it returns shows the URL filled in, as the worker
 * called it, and is masked (masking.ts): header values are never shown, and a secret (an env value whose
 * name looks secret or that a header or body used, a URL's userinfo, a secret query parameter) is ***
 * wherever a URL, response excerpt or error would show it.
 */
export async function runHttpStep(action: HttpAction, context: StepContext, env: NodeJS.ProcessEnv, sleep = delay): Promise<StepOutcome> {
  const started = Date.now();
  const first = await callWithRetries(action, context, env, sleep);
  const second = first.ok && action.waitFor ? await callWithRetries(action.waitFor, context, env, sleep) : null;
  const summary = second ? `${first.summary}; then ${second.summary}` : first.summary;
  const output = second ? [...first.log, 'then, waiting for:', ...second.log].join('\n') : action.attempts > 1 ? first.log.join('\n') : first.summary;
  return { ok: (second ?? first).ok, summary, output, durationMs: Date.now() - started };
}

async function callWithRetries(
  retried: HttpCall,
  context: StepContext,
  env: NodeJS.ProcessEnv,
  sleep: (ms: number) => Promise<unknown>,
): Promise<{ ok: boolean; summary: string; log: string[] }> {
  const log: string[] = [];
  for (let attempt = 1; ; attempt++) {
    const result = await call(retried.probe, context, env);
    log.push(`attempt ${attempt}/${retried.attempts}: ${result.detail}`);
    if (result.passed) return { ok: true, summary: attempt > 1 ? `${result.detail} (attempt ${attempt} of ${retried.attempts})` : result.detail, log };
    if (result.final) {
      const notes = [result.final.why, attempt < retried.attempts ? 'not retried' : null].filter(Boolean);
      return { ok: false, summary: notes.length ? `${result.detail}; ${notes.join(', ')}` : result.detail, log };
    }
    if (attempt >= retried.attempts)
      return { ok: false, summary: retried.attempts > 1 ? `${result.detail}; gave up after ${retried.attempts} attempts` : result.detail, log };
    const wait = retryDelay(retried, attempt, result.retryAfterMs);
    log.push(`waiting ${formatDuration(wait)}${result.retryAfterMs !== null ? ' (the server asked, with Retry-After)' : ''}`);
    await sleep(wait);
  }
}

/** The wait after failed attempt `attempt` (1-based): interval × factor^(attempt-1), or the server's Retry-After, within the cap. */
export function retryDelay(action: Pick<HttpCall, 'intervalMs' | 'backoff'>, attempt: number, retryAfterMs: number | null = null): number {
  const cap = action.backoff?.maxMs ?? Math.max(action.intervalMs, DEFAULT_MAX_WAIT);
  if (retryAfterMs !== null) return Math.min(retryAfterMs, cap);
  return Math.min(Math.round(action.intervalMs * (action.backoff?.factor ?? 1) ** (attempt - 1)), cap);
}

async function call(config: HttpProbe, context: StepContext, env: NodeJS.ProcessEnv): Promise<Attempt> {
  const request = buildRequest(config, context, env);
  if (!request.ok) return { passed: false, detail: request.problem, final: { why: null }, retryAfterMs: null };
  const { secrets, needle } = request;
  const shown = `${config.method} ${request.shownUrl}`;
  const expected = Array.isArray(config.expectStatus) ? config.expectStatus : [config.expectStatus];
  const started = Date.now();
  try {
    const response = await fetch(request.url, { ...request.init, signal: AbortSignal.timeout(config.timeout), redirect: 'manual' });
    const wanted = expected.includes(response.status);
    const body = config.bodyIncludes || !wanted ? await response.text() : (await response.body?.cancel(), '');
    const tookMs = Date.now() - started;
    const described = `${shown} → ${response.status} in ${tookMs}ms`;
    if (!wanted) {
      const excerpt = mask(body.replace(/\s+/g, ' ').trim().slice(0, EXCERPT), secrets);
      const detail = `${described} (expected ${expected.join(' or ')})${excerpt ? `: ${excerpt}` : ''}`;
      const final = isFinal(response.status) ? { why: `${response.status} is final (a client error)` } : null;
      return { passed: false, detail, final, retryAfterMs: final ? null : retryAfter(response.headers.get('retry-after')) };
    }
    if (needle && !body.includes(needle.value)) return { passed: false, detail: `${described}, body lacks "${needle.shown}"`, final: null, retryAfterMs: null };
    if (config.maxLatency !== undefined && tookMs > config.maxLatency)
      return { passed: false, detail: `${described}, over its latency budget of ${config.maxLatency}ms`, final: null, retryAfterMs: null };
    return { passed: true, detail: described };
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${config.timeout}ms` : describeFetchError(error);
    return { passed: false, detail: `${shown} failed: ${mask(withUrlShown(reason, request.url, request.shownUrl), secrets)}`, final: null, retryAfterMs: null };
  }
}

/** 4xx means the request itself is wrong (a bad token, an invalid body): calling again cannot help, except a timeout (408) or a rate limit (429). */
function isFinal(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

type Built =
  | { ok: true; url: string; shownUrl: string; init: RequestInit; secrets: string[]; needle: { value: string; shown: string } | null }
  | { ok: false; problem: string };

/**
 * The request with its variables filled, or why it cannot be sent. Problems name variables and
 * headers, never values. `secrets`: what must be *** wherever this call's text shows it.
 */
function buildRequest(config: HttpProbe, context: StepContext, env: NodeJS.ProcessEnv): Built {
  const url = interpolate(config.url, context, env, { url: true });
  if (url.unknown.length) return { ok: false, problem: `the URL uses unknown variables: ${url.unknown.join(', ')}` };
  const secrets: string[] = [...url.secrets, ...urlSecrets(url.value)];
  const headers: Record<string, string> = {};
  for (const [name, template] of Object.entries(config.headers ?? {})) {
    const filled = interpolate(template, context, env);
    if (filled.unknown.length) return { ok: false, problem: `header ${name} uses unknown variables: ${filled.unknown.join(', ')}` };
    // fetch would refuse it, quoting the value in its error; say which header instead.
    if (/[\r\n\0]/.test(filled.value.trim())) return { ok: false, problem: `header ${name} holds a line break or NUL (check the env values it uses)` };
    secrets.push(...filled.fromEnv, ...filled.secrets);
    headers[name] = filled.value;
  }
  let body: string | undefined;
  if (typeof config.body === 'string') {
    const filled = interpolate(config.body, context, env);
    if (filled.unknown.length) return { ok: false, problem: `the body uses unknown variables: ${filled.unknown.join(', ')}` };
    secrets.push(...filled.fromEnv, ...filled.secrets);
    body = filled.value;
  } else if (config.body !== undefined) {
    const unknown: string[] = [];
    // Filled string by string before serialising, so every value is JSON-escaped whatever it holds.
    const filled = mapStrings(config.body, (text) => {
      const result = interpolate(text, context, env);
      unknown.push(...result.unknown);
      secrets.push(...result.fromEnv, ...result.secrets);
      return result.value;
    });
    if (unknown.length) return { ok: false, problem: `the body uses unknown variables: ${unknown.join(', ')}` };
    body = JSON.stringify(filled);
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  let needle: { value: string; shown: string } | null = null;
  if (config.bodyIncludes !== undefined) {
    const filled = interpolate(config.bodyIncludes, context, env);
    if (filled.unknown.length) return { ok: false, problem: `bodyIncludes uses unknown variables: ${filled.unknown.join(', ')}` };
    secrets.push(...filled.secrets);
    needle = { value: filled.value, shown: filled.shown };
  }
  // Masked by value as well: an env value a header or body used may also be in the URL or the needle.
  const shownUrl = mask(maskUrl(url.shown), secrets);
  if (needle) needle.shown = mask(needle.shown, secrets);
  return { ok: true, url: url.value, shownUrl, init: { method: config.method, headers, ...(body !== undefined ? { body } : {}) }, secrets, needle };
}

/** fetch's own messages quote the URL (e.g. one with user:password@): put the URL as shown in its place. */
function withUrlShown(text: string, url: string, shownUrl: string): string {
  const forms = [url];
  try {
    forms.push(new URL(url).href);
  } catch {
    // Not a URL fetch could parse: it quotes it as written.
  }
  return [...new Set(forms)].sort((a, b) => b.length - a.length).reduce((out, form) => out.split(form).join(shownUrl), text);
}

function mapStrings(value: unknown, fill: (text: string) => string): unknown {
  if (typeof value === 'string') return fill(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, fill));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mapStrings(item, fill)]));
  return value;
}

/** Retry-After in seconds or as an HTTP date; null when absent or unreadable. */
function retryAfter(header: string | null): number | null {
  if (header === null) return null;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1_000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
