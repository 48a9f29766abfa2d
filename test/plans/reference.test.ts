import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandStepSchema, httpStepSchema } from '../../src/domain/plan-steps.ts';
import { keysOf, planKeys } from '../support/plan-keys.ts';

/**
 * docs/PLANS.md documents every key a plan may have: the keys are read from the zod schema itself, so a
 * key added to the schema without a line in the reference fails this test.
 */
const REFERENCE = readFileSync(new URL('../../docs/PLANS.md', import.meta.url), 'utf8');
const stepKeys = [...new Set([...keysOf(commandStepSchema), ...keysOf(httpStepSchema)].map((key) => `step.${key}`))].filter(
  (key) => !/^step\.waitFor\./.test(key),
);

describe('the plan reference (docs/PLANS.md)', () => {
  it('reads the keys from the schema (so this test is not vacuous)', () => {
    expect(planKeys).toEqual(
      expect.arrayContaining([
        'service',
        'paging.also',
        'monitoring.check',
        'step.http.url',
        'rollback.validation.version.samples',
        'strategy.undeploy',
        'freezes.weekly.from',
      ]),
    );
    expect(stepKeys).toEqual(expect.arrayContaining(['step.run', 'step.http.url', 'step.backoff.factor', 'step.partialOnFailure']));
    expect(planKeys.length).toBeGreaterThan(80);
  });

  it('documents every key a plan may have, in a table row of its own', () => {
    const rows = new Set([...REFERENCE.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]));
    expect([...planKeys, ...stepKeys].filter((key) => !rows.has(key))).toEqual([]);
  });

  it('documents no key the schema does not have', () => {
    const known = new Set([...planKeys, ...stepKeys, 'environments']);
    const rows = [...REFERENCE.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!);
    expect(rows.filter((key) => !known.has(key))).toEqual([]);
  });
});
