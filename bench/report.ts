import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/runtime.ts';
import type { PhaseResult } from './load.ts';

/** What a benchmark prints (a table per comparison) and keeps (bench/results/<part>-<time>.json, not committed). */

export interface Row extends PhaseResult {
  system: string;
  /** What the row belongs to beside the rate, e.g. "100000 stored runs". */
  label?: string;
  /** p99 over the p99 of the baseline at the same rate in the same run (null for the baseline itself). */
  ratio?: number | null;
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');

export function printTable(title: string, rows: Row[]): void {
  console.log(`\n${title}`);
  const header = ['system', 'label', 'rate/s', 'achieved/s', 'n', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'late', 'accepted', 'p99 ratio'];
  const lines = rows.map((row) => [
    row.system,
    row.label ?? '',
    String(row.rate),
    row.achievedRate.toFixed(0),
    String(row.count),
    ms(row.p50),
    ms(row.p90),
    ms(row.p99),
    ms(row.max),
    String(row.errors),
    String(row.late),
    String(row.accepted),
    row.ratio === undefined || row.ratio === null ? '' : Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}×` : '∞',
  ]);
  const widths = header.map((cell, i) => Math.max(cell.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  console.log(format(header));
  for (const line of lines) console.log(format(line));
}

/** Each system's row at each rate, merged over its alternating rounds: the worst p99 kept, with every count summed. */
export function withRatios(rows: Row[], baseline: string): Row[] {
  return rows.map((row) => {
    if (row.system === baseline) return { ...row, ratio: null };
    const base = rows.filter((other) => other.system === baseline && other.rate === row.rate && other.label === row.label);
    const baseP99 = Math.max(...base.map((other) => other.p99));
    return { ...row, ratio: base.length > 0 && baseP99 > 0 && Number.isFinite(baseP99) ? row.p99 / baseP99 : null };
  });
}

export function saveJson(part: string, data: unknown): string {
  const dir = join(PROJECT_ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${part}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ part, at: new Date().toISOString(), ...(data as object) }, (_key, value) => (value === Infinity ? null : value), 2),
  );
  return file;
}
