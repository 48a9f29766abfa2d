import type { StepContext } from '../ports.ts';

/**
 * Fills ${env.NAME} (from the worker's environment: trusted configuration) and ${service},
 * ${version}, ${environment}, ${run} (validated by the command grammar and the plan's version
 * pattern; URL-encoded when the target is a URL). Unknown names are left as they are, and
 * reported, so a typo in a plan shows up in the step's output instead of an empty string.
 */
export function interpolate(template: string, context: StepContext, env: NodeJS.ProcessEnv, options: { url?: boolean } = {}): { value: string; unknown: string[] } {
  const unknown: string[] = [];
  const encode = options.url ? encodeURIComponent : (text: string) => text;
  const value = template.replace(/\$\{([a-zA-Z_.][a-zA-Z0-9_.]*)\}/g, (whole, name: string) => {
    if (name.startsWith('env.')) {
      const found = env[name.slice(4)];
      if (found === undefined) unknown.push(name);
      return found ?? whole;
    }
    const fromRun: Record<string, string> = { service: context.service, version: context.version, environment: context.environment, run: context.runKey };
    if (name in fromRun) return encode(fromRun[name]!);
    unknown.push(name);
    return whole;
  });
  return { value, unknown };
}

/** What a command step sees of the run: names that cannot be mistaken for a shell snippet. */
export function runEnvironment(context: StepContext): Record<string, string> {
  return {
    FLIGHTDECK_RUN_ID: context.runId,
    FLIGHTDECK_RUN: context.runKey,
    FLIGHTDECK_SERVICE: context.service,
    FLIGHTDECK_VERSION: context.version,
    FLIGHTDECK_ENVIRONMENT: context.environment,
  };
}
