// What Flightdeck tells a command about the run it belongs to (FLIGHTDECK_* environment variables).
import { sleep } from './backends.mjs';

export const run = process.env.FLIGHTDECK_RUN_ID || 'manual';
/** The version the last successful run deployed; empty on a first deployment. */
export const previousVersion = process.env.FLIGHTDECK_PREVIOUS_VERSION || null;

export function requireVersion() {
  const version = process.env.FLIGHTDECK_VERSION;
  if (!version) throw new Error('FLIGHTDECK_VERSION is not set');
  return version;
}

export function integerVariable(name, min, max) {
  const text = process.env[name] ?? '';
  const value = Number(text);
  if (text.trim() === '' || !Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}

/** Lets tests kill the worker while a step is running: DEMO_DEPLOY_DELAY_MS, DEMO_CANARY_WEIGHT_DELAY_MS, … */
export async function pause(action) {
  await sleep(Number(process.env[`DEMO_${action.toUpperCase().replace(/-/g, '_')}_DELAY_MS`] ?? 0));
}
