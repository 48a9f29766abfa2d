import type { Run } from '../../domain/run.ts';
import type { StepContext } from '../../ports.ts';

/** What a step's executor and a check's monitors know of the run (the template values they fill in). */
export function stepContext(run: Run): StepContext {
  return { runId: run.id, runKey: run.key, service: run.service, version: run.version, environment: run.environment, previousVersion: run.previousVersion };
}
