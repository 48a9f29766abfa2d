import type { z } from 'zod';
import { planSchema } from '../../src/domain/plan.ts';
import { commandStepSchema, httpStepSchema, stepSchema } from '../../src/domain/plan-steps.ts';

/** The keys of the plan schema, read from zod itself: the reference (docs/PLANS.md) and the complete example are checked against them. */
const STEPS = new Set<unknown>([stepSchema, commandStepSchema, httpStepSchema]);

/** Every key path under `schema`; steps are documented once, under `step.`, so they are not entered here. */
export function keysOf(schema: z.ZodType, prefix = '', root = true): string[] {
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
export function documented(path: string): string {
  return path
    .replace(/^environments\.<name>\./, '')
    .replace(/^alternatives\./, 'strategy.')
    .replace(/^monitoring\.check\./, 'step.http.');
}

/** Every key a plan may have, as docs/PLANS.md writes it. */
export const planKeys = [...new Set(keysOf(planSchema).map(documented))];
