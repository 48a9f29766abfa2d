import type { HttpProbe } from '../domain/plan.ts';
import type { StepAction } from '../domain/steps.ts';
import type { Measurement, StepContext, StepOutcome } from '../ports.ts';
import { interpolate } from './interpolate.ts';

/** One HTTP probe. Never throws: a refused connection is an unhealthy measurement with its reason. */
export async function probe(config: HttpProbe, context: StepContext, env: NodeJS.ProcessEnv): Promise<Measurement> {
  const { value: url, unknown } = interpolate(config.url, context, env, { url: true });
  if (unknown.length) return { healthy: false, detail: `the URL uses unknown variables: ${unknown.join(', ')}` };
  const started = Date.now();
  try {
    const response = await fetch(url, { method: config.method, signal: AbortSignal.timeout(config.timeout), redirect: 'manual' });
    const body = config.bodyIncludes ? await response.text() : (await response.body?.cancel(), '');
    const ms = Date.now() - started;
    const described = `${config.method} ${url} → ${response.status} in ${ms}ms`;
    if (response.status !== config.expectStatus) return { healthy: false, detail: `${described} (expected ${config.expectStatus})` };
    if (config.bodyIncludes && !body.includes(config.bodyIncludes)) return { healthy: false, detail: `${described}, body lacks "${config.bodyIncludes}"` };
    return { healthy: true, detail: described };
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${config.timeout}ms` : describeFetchError(error);
    return { healthy: false, detail: `${config.method} ${url} failed: ${reason}` };
  }
}

function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

/** An HTTP step: the probe, retried `attempts` times every `intervalMs` until it passes. */
export async function runHttpStep(action: Extract<StepAction, { kind: 'http' }>, context: StepContext, env: NodeJS.ProcessEnv, sleep = delay): Promise<StepOutcome> {
  const started = Date.now();
  let last: Measurement = { healthy: false, detail: 'not tried' };
  for (let attempt = 1; attempt <= action.attempts; attempt++) {
    last = await probe(action.probe, context, env);
    if (last.healthy) break;
    if (attempt < action.attempts) await sleep(action.intervalMs);
  }
  return { ok: last.healthy, summary: last.detail, output: last.detail, durationMs: Date.now() - started };
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
