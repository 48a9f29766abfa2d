import type { z } from 'zod';
import { commandStepSchema, httpStepSchema, stepSchema } from './plan-steps.ts';

/**
 * "did you mean …" for a key a plan does not allow: the keys the schema allows at that place, read from
 * the zod schema itself, and the closest of them by edit distance.
 */

type Def = { type: string; [key: string]: any };
const defOf = (schema: unknown): Def => (schema as { _zod: { def: Def } })._zod.def;

/** The schemas a value at `path` may be checked against (a union gives several). */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  // A step is told apart by its keys at run time (plan-steps.ts): it may be either.
  if (schema === stepSchema) return [...schemasAt(commandStepSchema, path), ...schemasAt(httpStepSchema, path)];
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return schemasAt(def.innerType, path);
    case 'pipe':
      return schemasAt(def.in, path);
    case 'union':
      return (def.options as z.ZodType[]).flatMap((option) => schemasAt(option, path));
  }
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === 'object' && typeof head === 'string' && def.shape[head]) return schemasAt(def.shape[head], rest);
  if (def.type === 'array') return schemasAt(def.element, rest);
  if (def.type === 'record') return schemasAt(def.valueType, rest);
  return [];
}

/** The keys allowed in the object at `path` of a document checked by `schema`. */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return [...new Set(schemasAt(schema, path).flatMap((candidate) => (defOf(candidate).type === 'object' ? Object.keys(defOf(candidate).shape) : [])))];
}

/** The candidate closest to `word` (case-insensitive edit distance), if it is close enough to be a typo. */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: { candidate: string; distance: number } | null = null;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (best && best.distance <= Math.max(2, Math.floor(word.length / 3))) return best.candidate;
  // A longer spelling of an allowed key ("freezeWindows" for "freezes"): a long shared beginning.
  const shared = (candidate: string) => [...candidate.toLowerCase()].findIndex((letter, i) => word.toLowerCase()[i] !== letter);
  const prefixed = candidates
    .map((candidate) => ({ candidate, length: shared(candidate) === -1 ? candidate.length : shared(candidate) }))
    .sort((a, b) => b.length - a.length)[0];
  return prefixed && prefixed.length >= 5 ? prefixed.candidate : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}
