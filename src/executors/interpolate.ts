import { fillRunVariables, TEMPLATE_VARIABLE, type RunVariable } from '../domain/plan-steps.ts';
import type { StepContext } from '../ports.ts';
import { looksSecret } from './masking.ts';

export interface Filled {
  value: string;
  /**
   * The value as people may see it: an ${env.NAME} whose name looks secret (masking.ts) is ***, and an
   * unknown name reads `<unknown NAME>`, so a message never shows a raw ${…}.
   */
  shown: string;
  /** Names that are neither a run variable nor a set ${env.NAME}: reported, so a typo in a plan shows up. */
  unknown: string[];
  /** Every value ${env.NAME} filled in (from the environment, not a fallback). */
  fromEnv: string[];
  /** What `shown` masks (values of names that look secret, fallbacks included): to mask wherever else the text may show them. */
  secrets: string[];
}

/**
 * Fills ${env.NAME} (from the worker's environment: trusted configuration; `${env.NAME:-fallback}`
 * when it is unset or empty) and ${service}, ${version}, ${environment}, ${run} (validated by the
 * command grammar and the plan's version pattern; URL-encoded when the target is a URL). Unknown
 * names are left as they are, and reported, so a typo in a plan shows up in the step's output
 * instead of an empty string.
 */
export function interpolate(template: string, context: StepContext, env: NodeJS.ProcessEnv, options: { url?: boolean } = {}): Filled {
  const filled: Filled = { value: '', shown: '', unknown: [], fromEnv: [], secrets: [] };
  const encode = options.url ? encodeURIComponent : (text: string) => text;
  const fromRun = runVariables(context);
  const add = (value: string, shown = value) => {
    filled.value += value;
    filled.shown += shown;
  };
  let last = 0;
  for (const match of template.matchAll(TEMPLATE_VARIABLE)) {
    const [whole, name = '', fallback] = match;
    add(template.slice(last, match.index));
    last = match.index + whole.length;
    if (name.startsWith('env.')) {
      const found = env[name.slice(4)];
      const fromEnv = found !== undefined && (found !== '' || fallback === undefined);
      if (!fromEnv && fallback === undefined) {
        filled.unknown.push(name);
        add(whole, `<unknown ${name}>`);
        continue;
      }
      const value = fromEnv ? found : fallback!;
      if (fromEnv) filled.fromEnv.push(value);
      if (looksSecret(name.slice(4))) {
        filled.secrets.push(value);
        add(value, '***');
      } else add(value);
    } else if (Object.hasOwn(fromRun, name)) {
      add(encode(fromRun[name as RunVariable]));
    } else {
      filled.unknown.push(name);
      add(whole, `<unknown ${name}>`);
    }
  }
  add(template.slice(last));
  return filled;
}

/**
 * Run variables filled, anything else left as written: an argv element (plans may not put
 * ${env.NAME} in argv, as argv is visible to every process; other ${…} text is the command's own,
 * and the element stays one element, as there is no shell to split it).
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
