import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { onCommand } from '../src/app/on-command.ts';
import { loadPlans } from '../src/plans/catalog.ts';
import { openDatabase } from '../src/store/db.ts';
import { saveJson } from './report.ts';
import { BENCH_USER, benchPlan } from './stack.ts';

/**
 * `npm run bench -- statements`: what one `/deploy start` asks of Postgres, counted at the driver (every
 * query pg sends, BEGIN and COMMIT included) in this process, and how long the database part takes.
 */

interface Seen {
  text: string;
  ms: number;
  /** The statement's text and its values as sent (strings as they are, anything else as JSON): what a start costs on the wire. */
  bytes: number;
}

const sizeOf = (value: unknown) => (value === null || value === undefined ? 0 : typeof value === 'string' ? value.length : JSON.stringify(value).length);

export async function statementsBench(): Promise<void> {
  const admin = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `bench_statements_${process.pid}`;
  const adminPool = new pg.Pool({ connectionString: admin, max: 1 });
  await adminPool.query(`create database ${name}`);
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const plansDir = mkdtempSync(join(tmpdir(), 'flightdeck-bench-plans-'));
  const services = Array.from({ length: Number(process.env.BENCH_STARTS ?? 50) }, (_, i) => `bench-${i}`);
  for (const service of services) writeFileSync(join(plansDir, `${service}.yaml`), benchPlan(service));
  const database = await openDatabase({ url: url.toString() });
  await database.migrate();
  const seen: Seen[] = [];
  const original = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text: string; values?: unknown[] };
    const text = typeof config === 'string' ? config : config.text;
    const values = (Array.isArray(args[1]) ? args[1] : typeof config === 'string' ? [] : (config.values ?? [])) as unknown[];
    const started = performance.now();
    // A named statement's text goes once per connection (Parse), then only its name.
    const name = typeof config === 'string' ? undefined : (config as { name?: string }).name;
    const parsed = name !== undefined && (this as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements[name];
    const entry = { text, ms: Number.NaN, bytes: (parsed ? name.length : text.length) + values.reduce<number>((sum, value) => sum + sizeOf(value), 0) };
    seen.push(entry);
    // pg's pool sends with a callback (a named statement among them): time it there.
    const callback = args.at(-1);
    if (typeof callback === 'function') args[args.length - 1] = (...results: unknown[]) => ((entry.ms = performance.now() - started), callback(...results));
    const result = (original as (...a: unknown[]) => unknown).apply(this, args);
    if (result && typeof (result as Promise<unknown>).then === 'function')
      void (result as Promise<unknown>).finally(() => (entry.ms = performance.now() - started));
    return result;
  } as typeof original;
  try {
    const ctx = { db: database.db, plans: await loadPlans(plansDir), clock: { now: () => new Date() }, log: pino({ level: 'silent' }), kickRelay() {} };
    const per: { statements: number; bytes: number; ms: number }[] = [];
    let last: Seen[] = [];
    for (const [i, service] of services.entries()) {
      seen.length = 0;
      const started = performance.now();
      const reply = await onCommand(ctx, { actor: { platform: 'slack', ...BENCH_USER }, text: `start ${service} 1.0.${i}`, requestKey: `bench-${i}` });
      if (reply.kind !== 'text' || !reply.text.includes('created')) throw new Error(`start failed: ${JSON.stringify(reply)}`);
      per.push({ statements: seen.length, bytes: seen.reduce((sum, entry) => sum + entry.bytes, 0), ms: performance.now() - started });
      last = [...seen];
    }
    const steady = per.slice(10);
    const average = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
    console.log(
      `\none /deploy start that creates a run: ${last.length} statements, ${Math.round(average(steady.map((p) => p.bytes)))} bytes sent, ${average(steady.map((p) => p.ms)).toFixed(2)} ms in onCommand (mean of ${steady.length})`,
    );
    for (const statement of last)
      console.log(`  ${statement.ms.toFixed(2).padStart(6)} ms ${String(statement.bytes).padStart(6)} B  ${statement.text.replace(/\s+/g, ' ').slice(0, 130)}`);
    console.log(`→ ${saveJson('statements', { statements: last, per })}`);
  } finally {
    pg.Client.prototype.query = original;
    await database.close();
    await adminPool.query(`drop database if exists ${name} with (force)`).catch(() => {});
    await adminPool.end();
    rmSync(plansDir, { recursive: true, force: true });
  }
}
