import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { parsePlan, type Plan, type PlanProblem } from '../domain/plan.ts';

export interface PlanCatalog {
  get(service: string): Plan | undefined;
  services(): string[];
}

/** A problem where it is in the file: "plans/api.yaml:12:7: environments.production.strategy: …". */
export interface LocatedProblem extends PlanProblem {
  line: number | null;
  column: number | null;
}

export class PlanLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problems: LocatedProblem[],
    /** The file could not be read or is not YAML (exit 2 for `plan check`), rather than a plan with mistakes (exit 1). */
    readonly unreadable = false,
  ) {
    super(problems.map((p) => `${file}${p.line ? `:${p.line}:${p.column}` : ''}: ${p.path || '(root)'}: ${p.message}`).join('\n'));
  }
}

export async function loadPlanFile(file: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a plan file' : `cannot be read (${code ?? (error as Error).message})`;
    throw new PlanLoadError(file, [{ path: '', message: why, line: null, column: null }], true);
  }
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines });
  if (document.errors.length) {
    const problems = document.errors.map((error) => ({
      path: '',
      message: `is not valid YAML: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`,
      line: error.linePos?.[0].line ?? null,
      column: error.linePos?.[0].col ?? null,
    }));
    throw new PlanLoadError(file, problems, true);
  }
  const result = parsePlan(document.toJS());
  if (!result.ok)
    throw new PlanLoadError(
      file,
      // In the file's order, so the list reads top to bottom whichever check found each problem.
      result.problems
        .map((problem) => ({ ...problem, ...positionOf(document, lines, keysOf(problem.path)) }))
        .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0)),
    );
  return result.plan;
}

/** `a.b[2].c` → ['a', 'b', 2, 'c']: the path of a problem as the YAML document's keys. */
function keysOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) => (match[2] === undefined ? match[1]! : Number(match[2])));
}

/** Where the value at `at` starts (or its nearest parent that exists, for a missing key). */
function positionOf(document: Document, lines: LineCounter, at: PropertyKey[]): { line: number | null; column: number | null } {
  for (let depth = at.length; depth >= 0; depth--) {
    const path = at.slice(0, depth);
    const node = (path.length ? document.getIn(path as (string | number)[], true) : document.contents) as { range?: [number, number, number] } | undefined;
    // A key that is not allowed: point at the key itself, which is where the mistake was typed.
    const key = depth === at.length && depth > 0 ? keyNode(document, at) : null;
    const range = key?.range ?? node?.range;
    if (range) {
      const { line, col } = lines.linePos(range[0]);
      return { line, column: col };
    }
  }
  return { line: null, column: null };
}

function keyNode(document: Document, at: PropertyKey[]): { range?: [number, number, number] } | null {
  const parent = (at.length > 1 ? document.getIn(at.slice(0, -1) as (string | number)[], true) : document.contents) as
    { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
  return parent?.items?.find((item) => item.key?.value === at.at(-1))?.key ?? null;
}

/** Loads every `*.yaml` in the plans folder; a broken plan stops start-up with its problems listed. */
export async function loadPlans(dir: string): Promise<PlanCatalog> {
  const plans: Plan[] = [];
  for (const file of await planFilesIn(dir)) plans.push(await loadPlanFile(file));
  return catalogOf(plans);
}

/** The plan files of a plans folder: the `*.yaml` directly in it, in name order. */
export async function planFilesIn(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((file) => join(dir, file));
}

/** One catalog; of two plans for one service, the later one wins. */
export function catalogOf(plans: Plan[]): PlanCatalog {
  const byService = new Map(plans.map((plan) => [plan.service, plan]));
  return { get: (service) => byService.get(service), services: () => [...byService.keys()] };
}
