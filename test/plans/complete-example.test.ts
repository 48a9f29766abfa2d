import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { planSchema } from '../../src/domain/plan.ts';
import { parseTrigger } from '../../src/domain/trigger.ts';
import { PROJECT_ROOT } from '../../src/runtime.ts';
import { documented, planKeys } from '../support/plan-keys.ts';

const FILE = join(PROJECT_ROOT, 'plans/examples/complete.yaml');
const document = parse(readFileSync(FILE, 'utf8')) as Record<string, any>;

/** Every key path written in the document, as the schema's keys are written (lists flattened, an environment's keys without its name). */
function writtenKeys(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => writtenKeys(item, prefix));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = prefix === 'environments.' ? `environments.<name>` : `${prefix}${key}`;
    const own = documented(prefix === 'environments.' ? 'environments.<name>.' : path).replace(/\.$/, '');
    // A step's HTTP call is written as the reference writes it: step.http.<key>.
    const http = /(^|\.)http\.([^.]+)$/.exec(path);
    return [own, ...(http ? [`step.http.${http[2]}`] : []), ...writtenKeys(inner, `${path}.`)];
  });
}

/** plans/examples/complete.yaml: one annotated plan using every feature, kept complete by this test. */
describe('the complete example plan', () => {
  it('passes `flightdeck plan check`', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'plan', 'check', FILE], { cwd: PROJECT_ROOT });
    expect(stdout).toBe(`${FILE}: ok\n`);
  });

  it('uses every top-level key the schema has', () => {
    const topLevel = Object.keys(planSchema.shape);
    expect(topLevel).toEqual(expect.arrayContaining(['service', 'groups', 'paging', 'freezes', 'environments']));
    expect(topLevel.filter((key) => !(key in document))).toEqual([]);
  });

  it('uses every key a plan, an environment, a strategy and a health check may have', () => {
    const written = new Set(writtenKeys(document));
    expect(planKeys.filter((key) => !written.has(key))).toEqual([]);
  });

  it('uses every strategy and every kind of trigger', () => {
    const environments = Object.values(document.environments) as Record<string, any>[];
    const kinds = environments.flatMap((env) => [env.strategy.kind, ...(env.alternatives ?? []).map((strategy: { kind: string }) => strategy.kind)]);
    expect(new Set(kinds)).toEqual(new Set(['blue-green', 'rolling', 'canary', 'feature-flag']));
    const triggers = environments.flatMap((env) => env.rollbackTriggers ?? []).map((text: string) => parseTrigger(text));
    expect(new Set(triggers.map((trigger) => ('kind' in trigger ? trigger.kind : trigger.error)))).toEqual(
      new Set(['health_failing', 'threshold', 'baseline']),
    );
  });
});
