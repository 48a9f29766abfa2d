import type { HttpProbe } from '../domain/plan.ts';
import { probe } from '../executors/http.ts';
import type { Measurement, Monitor, StepContext } from '../ports.ts';

/** Production health over HTTP: status, latency budget (the probe's timeout), optional body match. */
export function createHttpHealthMonitor(env: NodeJS.ProcessEnv): Monitor {
  return { check: (config: HttpProbe, context: StepContext): Promise<Measurement> => probe(config, context, env) };
}
