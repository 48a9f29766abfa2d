import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/domain/plan.ts';

const folders = ['plans', 'test/fixtures/plans'];
const files = folders.flatMap((folder) =>
  readdirSync(folder)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => join(folder, file)),
);

describe('the plans this repository ships', () => {
  it.each(files)('%s is valid', (file) => {
    const result = parsePlan(parse(readFileSync(file, 'utf8')));
    expect(result.ok ? [] : result.problems).toEqual([]);
  });
});
