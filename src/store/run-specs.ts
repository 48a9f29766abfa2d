import { createHash } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import type { Run } from '../domain/run-types.ts';
import type { RunSpec } from '../domain/spec.ts';
import type { Db } from './db.ts';
import { specShape, withSpec } from './run-shape.ts';
import { runSpecs } from './schema.ts';

/**
 * A run's spec is stored once per content (schema.ts run_specs) and named by its hash: the run's
 * snapshot and its `requested` event leave it out, so a start writes it at most once and a
 * transition rewrites a snapshot without it. A spec row never changes, so this process keeps every
 * spec it read (shaped by run-shape.ts and frozen: every run read with it shares the one object) and
 * remembers which hashes each database holds, so a start sends a spec only the first time.
 */

/** A run as its row stores it. */
export type StoredRun = Omit<Run, 'spec'>;

export interface SpecRef {
  hash: string;
  /** The spec's JSON, to send when the database may not hold it yet. */
  json: string;
}

const MAX_CACHED = 1_000;
const specsByHash = new Map<string, RunSpec>();
/** A spec object hashed once (start-run keeps one spec object per plan, environment and strategy). */
const refs = new WeakMap<RunSpec, SpecRef>();
const storedIn = new WeakMap<Db, Set<string>>();

export function specRef(spec: RunSpec): SpecRef {
  let ref = refs.get(spec);
  if (!ref) {
    const json = JSON.stringify(spec);
    ref = { hash: createHash('sha256').update(json).digest('hex'), json };
    refs.set(spec, ref);
  }
  return ref;
}

function stored(db: Db): Set<string> {
  let hashes = storedIn.get(db);
  if (!hashes) storedIn.set(db, (hashes = new Set()));
  return hashes;
}

/** Whether `db` is known to hold the spec (then a start need not send it). */
export function isStored(db: Db, hash: string): boolean {
  return stored(db).has(hash);
}

/** After a commit that wrote the spec, or a read that found it. */
export function markStored(db: Db, hash: string): void {
  stored(db).add(hash);
}

/** A start found a spec missing that was thought stored (another database behind the same handle): send specs again. */
export function forgetStored(db: Db): void {
  storedIn.delete(db);
}

/** For writers outside the start's statement (test fixtures, seeds): the spec row, if absent, and its hash. */
export async function storeSpec(db: Db, spec: RunSpec): Promise<string> {
  const { hash } = specRef(spec);
  await db.insert(runSpecs).values({ hash, spec }).onConflictDoNothing();
  return hash;
}

export function withoutSpec<T extends { spec: RunSpec }>(run: T): Omit<T, 'spec'> {
  const { spec: _spec, ...rest } = run;
  return rest;
}

/** Runs as the domain knows them, from rows of runs: the specs not cached yet are read in one query. */
export async function runsFrom(db: Db, rows: readonly { snapshot: StoredRun; specHash: string }[]): Promise<Run[]> {
  const missing = [...new Set(rows.map((row) => row.specHash).filter((hash) => !specsByHash.has(hash)))];
  if (missing.length > 0) {
    const found = await db.select().from(runSpecs).where(inArray(runSpecs.hash, missing));
    for (const row of found) {
      remember(row.hash, row.spec);
      markStored(db, row.hash);
    }
  }
  return rows.map((row) => {
    const spec = specsByHash.get(row.specHash);
    if (!spec) throw new Error(`run ${row.snapshot.key} names spec ${row.specHash}, which is not stored`);
    return withSpec(row.snapshot, spec);
  });
}

export async function runFrom(db: Db, row: { snapshot: StoredRun; specHash: string } | undefined | null): Promise<Run | null> {
  return row ? (await runsFrom(db, [row]))[0]! : null;
}

function remember(hash: string, spec: RunSpec): void {
  if (specsByHash.size >= MAX_CACHED) specsByHash.delete(specsByHash.keys().next().value!);
  specsByHash.set(hash, deepFreeze(specShape(spec)));
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
