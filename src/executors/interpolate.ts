import { fillRunVariables, TEMPLATE_VARIABLE, type RunVariable } from '../domain/plan-steps.ts';
import type { StepContext } from '../ports.ts';

export interface Filled {
  value: string;
  /** Names that are neither a run variable nor a set ${env.NAME}: reported, so a typo in a plan shows up. */
  unknown: string[];
  /** The values ${env.NAME} filled in: possibly secrets, masked wherever the result is shown. */
  fromEnv: string[];
}

/**
 * Fills ${env.NAME} (from the worker's environment: trusted configuration; `${env.NAME:-fallback}`
 * when it is unset or empty) and ${service}, ${version}, ${environment}, ${run} (validated by the
 * command grammar and the plan's version pattern; URL-encoded when the target is a URL). Unknown
 * names are left as they are, and reported, so a typo in a plan shows up in the step's output
 * instead of an empty string.
 */
export function interpolate(template: string, context: StepContext, env: NodeJS.ProcessEnv, options: { url?: boolean } = {}): Filled {
  const unknown: string[] = [];
  const fromEnv: string[] = [];
  const encode = options.url ? encodeURIComponent : (text: string) => text;
  const fromRun = runVariables(context);
  const value = template.replace(TEMPLATE_VARIABLE, (whole, name: string, fallback: string | undefined) => {
    if (name.startsWith('env.')) {
      const found = env[name.slice(4)];
      if (found !== undefined && (found !== '' || fallback === undefined)) {
        fromEnv.push(found);
        return found;
      }
      if (fallback !== undefined) return fallback;
      unknown.push(name);
      return whole;
    }
    if (Object.hasOwn(fromRun, name)) return encode(fromRun[name as RunVariable]);
    unknown.push(name);
    return whole;
  });
  return { value, unknown, fromEnv };
}

/**
 * Run variables filled, ${env.NAME} and anything else left as written: how a URL is shown (an env
 * value may be a secret), what bodyIncludes looks for, and an argv element (plans may not put
 * ${env.NAME} in argv; the element stays one element, as there is no shell to split it).
 */
export function withRunVariables(template: string, context: StepContext, options: { url?: boolean } = {}): string {
  return fillRunVariables(template, runVariables(context), options.url ? encodeURIComponent : undefined);
}

/**
 * Replaces every secret with ***. Values under 4 characters are left alone: masking a "1" would blot
 * out every digit one in the text, and such a value protects nothing.
 */
export function mask(text: string, secrets: readonly string[]): string {
  return [...new Set(secrets)]
    .filter((secret) => secret.length >= 4)
    .sort((a, b) => b.length - a.length)
    .reduce((out, secret) => out.split(secret).join('***'), text);
}

function runVariables(context: StepContext): Record<RunVariable, string> {
  return { service: context.service, version: context.version, environment: context.environment, run: context.runKey };
}

/** What a command step sees of the run: names that cannot be mistaken for a shell snippet. */
export function runEnvironment(context: StepContext): Record<string, string> {
  return {
    FLIGHTDECK_RUN_ID: context.runId,
    FLIGHTDECK_RUN: context.runKey,
    FLIGHTDECK_SERVICE: context.service,
    FLIGHTDECK_VERSION: context.version,
    FLIGHTDECK_ENVIRONMENT: context.environment,
    /** What the last successful run deployed (empty on a first deployment): a rollback puts it back. */
    FLIGHTDECK_PREVIOUS_VERSION: context.previousVersion ?? '',
  };
}
