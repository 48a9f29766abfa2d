import type { HttpProbe } from '../domain/plan.ts';
import { probe } from '../executors/http.ts';
import type { Measurement, Monitor, StepContext } from '../ports.ts';
import { probeVersions } from './version-probe.ts';

/** Production health over HTTP: status, latency budget (the probe's timeout), optional body match; and which versions answer. */
export function createHttpHealthMonitor(env: NodeJS.ProcessEnv): Monitor {
  return {
    check: (config: HttpProbe, context: StepContext): Promise<Measurement> => probe(config, context, env),
    versions: (config, context) => probeVersions(config, context, env),
  };
}
