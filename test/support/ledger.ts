import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCommand } from '../../src/app/on-command.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';

/** The ledger plan (test/fixtures/steps-once): five environments whose steps note each execution in a file. */
export const LEDGER_PLANS = join(PROJECT_ROOT, 'test/fixtures/steps-once');
export const LEDGER_ENVIRONMENTS = ['e1', 'e2', 'e3', 'e4', 'e5'] as const;

const alice = { platform: 'slack' as const, id: 'U0DEMOALICE', name: 'alice' };

/** A fresh ledger file; give `env` to the worker's step commands. */
export function freshLedger() {
  const file = join(mkdtempSync(join(tmpdir(), 'flightdeck-test-ledger-')), 'ledger.log');
  return {
    env: { LEDGER_FILE: file },
    /** Each execution of a step as the ledger shows it, in the order the lines were written. */
    lines(): { what: 'start' | 'end'; run: string; step: string; pid: number; at: number }[] {
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [what, run, step, pid, at] = line.split(' ');
          return { what: what as 'start' | 'end', run: run!, step: step!, pid: Number(pid), at: Number(at) };
        });
    },
    /** Executions of the same step of the same run that ran at the same time: "<run> <step>: <pid> started while <pid> ran". */
    overlaps(): string[] {
      const running = new Map<string, number[]>();
      const found: string[] = [];
      for (const line of this.lines()) {
        const key = `${line.run} ${line.step}`;
        const now = running.get(key) ?? [];
        if (line.what === 'start') {
          if (now.length) found.push(`${key}: ${line.pid} started while ${now.join(', ')} ran`);
          running.set(key, [...now, line.pid]);
        } else
          running.set(
            key,
            now.filter((pid) => pid !== line.pid),
          );
      }
      return found;
    },
    /** How many times each step of each run started: "<run> <step>" → count. */
    starts(): Record<string, number> {
      const counts: Record<string, number> = {};
      for (const line of this.lines()) if (line.what === 'start') counts[`${line.run} ${line.step}`] = (counts[`${line.run} ${line.step}`] ?? 0) + 1;
      return counts;
    },
  };
}

/** alice starts `ledger 1.0.0` in each of the five environments (no decision asked). */
export async function startLedgerRuns(ctx: Parameters<typeof onCommand>[0]): Promise<void> {
  for (const environment of LEDGER_ENVIRONMENTS) await onCommand(ctx, { actor: alice, text: `start ledger 1.0.0 ${environment}`, requestKey: null });
}
