import type { StepAction } from '../domain/steps.ts';
import type { Executor, StepContext, StepOutcome } from '../ports.ts';
import { runCommand } from './command.ts';
import { runHttpStep } from './http.ts';

export interface AbandonableExecutor extends Executor {
  /**
   * A worker shutting down handed its running steps back to the queue: kill their commands and never report them
   * (their promises stay pending), so the step's outcome is recorded by the worker that takes it over, once.
   */
  abandonAll(): void;
}

/** Picks the executor for a step's kind. Commands run from `cwd` (the checkout, where plans refer to scripts). */
export function createExecutor(options: { cwd: string; env: NodeJS.ProcessEnv }): AbandonableExecutor {
  let abandon = new AbortController();
  const start = (action: StepAction, context: StepContext, signal: AbortSignal): Promise<StepOutcome> => {
    switch (action.kind) {
      case 'command':
        return runCommand(action, context, { ...options, signal });
      case 'http':
        return runHttpStep(action, context, options.env);
      case 'baseline':
      case 'hold':
      case 'validate':
        throw new Error(`a ${action.kind} step is not run by an executor (see app/run-step.ts and domain/run-watch.ts)`);
    }
  };
  return {
    run(action: StepAction, context: StepContext): Promise<StepOutcome> {
      const { signal } = abandon;
      const running = start(action, context, signal);
      return new Promise((resolve, reject) => {
        running.then(
          (outcome) => signal.aborted || resolve(outcome),
          (error: unknown) => signal.aborted || reject(error),
        );
      });
    },
    abandonAll() {
      abandon.abort();
      abandon = new AbortController();
    },
  };
}
