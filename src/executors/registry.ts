import type { StepAction } from '../domain/steps.ts';
import type { Executor, StepContext, StepOutcome } from '../ports.ts';
import { runCommand } from './command.ts';
import { runHttpStep } from './http.ts';

/** Picks the executor for a step's kind. Commands run from `cwd` (the checkout, where plans refer to scripts). */
export function createExecutor(options: { cwd: string; env: NodeJS.ProcessEnv }): Executor {
  return {
    run(action: StepAction, context: StepContext): Promise<StepOutcome> {
      switch (action.kind) {
        case 'command':
          return runCommand(action, context, options);
        case 'http':
          return runHttpStep(action, context, options.env);
        case 'baseline':
        case 'hold':
        case 'validate':
          throw new Error(`a ${action.kind} step is not run by an executor (see app/run-step.ts and domain/run-watch.ts)`);
      }
    },
  };
}
