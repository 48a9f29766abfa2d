import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { planSchema } from '../../src/domain/plan.ts';
import { commandStepSchema, httpStepSchema, stepSchema } from '../../src/domain/plan-steps.ts';

/**
 * docs/PLANS.md documents every key a plan may have: the keys are read from the zod schema itself, so a
 * key added to the schema without a line in the reference fails this test.
 */
const REFERENCE = readFileSync(new URL('../../docs/PLANS.md', import.meta.url), 'utf8');
const STEPS = new Set<unknown>([stepSchema, commandStepSchema, httpStepSchema]);

/** Every key path under `schema`; steps are documented once, under `step.`, so they are not entered here. */
function keysOf(schema: z.ZodType, prefix = '', root = true): string[] {
  if (!root && STEPS.has(schema)) return [];
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  switch (def.type) {
    case 'object':
      return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([key, value]) => [prefix + key, ...keysOf(value, `${prefix}${key}.`, false)]);
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return keysOf(def.innerType, prefix, root);
    case 'pipe':
      return keysOf(def.in, prefix, root);
    case 'array':
      return keysOf(def.element, prefix, root);
    case 'record':
      return keysOf(def.valueType, `${prefix}<name>.`, root);
    case 'union':
      return (def.options as z.ZodType[]).flatMap((option) => keysOf(option, prefix, root));
    default:
      return [];
  }
}

/** How the reference writes a path: environment keys without their prefix, alternatives as strategies, the health check's probe as an HTTP step's. */
function documented(path: string): string {
  return path
    .replace(/^environments\.<name>\./, '')
    .replace(/^alternatives\./, 'strategy.')
    .replace(/^monitoring\.check\./, 'step.http.');
}

const planKeys = [...new Set(keysOf(planSchema).map(documented))];
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
