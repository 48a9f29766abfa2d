import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectServedBy, startMatrix, type Matrix } from '../support/rollback-matrix.ts';

/**
 * Truthful rollback, blue-green and rolling, on real processes: at every point a rollback can start,
 * the version that served before the run serves every sampled request afterwards, the message names it,
 * and "rolled back" is said only after the validation asked production. Pages follow their cause.
 */
describe('rollback matrix: blue-green and rolling', () => {
  let matrix: Matrix;
  beforeAll(async () => {
    matrix = await startMatrix();
    await matrix.deployed('1.0.0');
  }, 120_000);
  afterAll(async () => {
    await matrix?.stop();
  });

  it('blue-green, before the switch: the idle slot fails its check, nothing changed, nothing is said to be restored, nobody paged', async () => {
    const { key } = await matrix.start('1.1.0-unhealthy');
    const done = await matrix.ended(key);
    expect(done.state).toBe('failed');
    // The new slot never came up healthy: the switch (deploy.2) never ran.
    expect(done.failure?.stepId).toMatch(/^deploy\.[01]$/);
    expect(done.steps.map((step) => step.stepId)).not.toContain('deploy.2');
    await expectServedBy(matrix, '1.0.0');
    const stopped = matrix.posted(key).find((text) => text.includes('Deployment stopped'));
    expect(stopped).toContain('Production was not changed');
    expect(matrix.posted(key).join('\n')).not.toMatch(/restored|Rolled Back/);
    expect(matrix.pagesOf(key)).toEqual([]);
  }, 90_000);

  it('blue-green, during monitoring: an automatic rollback switches back, validates 1.0.0, says so, and pages on-call', async () => {
    const { key } = await matrix.start('1.1.0-broken');
    const done = await matrix.ended(key);
    expect(done.state).toBe('rolled_back');
    expect(done.rollback?.validations.at(-1)).toMatchObject({ status: 'SUCCESS', expected: '1.0.0' });
    await expectServedBy(matrix, '1.0.0');
    const message = await matrix.rollbackMessage(key);
    expect(message).toContain('Validated: 1.0.0 serves again');
    expect(message).toContain('20 of 20 requests answered 1.0.0');
    // The reason once, not the trigger's text for every check.
    expect(message.split('health failing for 3 checks').length - 1).toBe(1);
    await expect.poll(() => matrix.pagesOf(key).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(matrix.pagesOf(key)[0]).toContain('rolled back automatically');
  }, 90_000);

  it('blue-green, during monitoring, by hand: the same switch back and validation; a manual rollback pages nobody', async () => {
    const { key, id } = await matrix.start('1.1.1');
    await matrix.until(key, ['monitoring']);
    await matrix.click('bob', 'run.rollback', id);
    const done = await matrix.ended(key);
    expect(done.state).toBe('rolled_back');
    await expectServedBy(matrix, '1.0.0');
    expect(await matrix.rollbackMessage(key)).toContain('Validated: 1.0.0 serves again');
    expect(matrix.pagesOf(key)).toEqual([]);
  }, 90_000);

  it('rolling, after batch 1: its check fails, only batch 1 is undone, 1.0.0 serves on every instance', async () => {
    const { key } = await matrix.start('1.2.0-breaks-at-0', 'rolling');
    const done = await matrix.ended(key);
    expect(done.state).toBe('rolled_back');
    expect(done.steps.filter((step) => step.stepId.startsWith('rollback.')).map((step) => step.name)).toEqual([
      'Put the previous version back on batch 1/2 (instances 0, 1)',
    ]);
    await expectServedBy(matrix, '1.0.0');
    expect(await matrix.rollbackMessage(key)).toContain('Validated: 1.0.0 serves again');
  }, 90_000);

  it('rolling, after the last batch: monitoring fails, both batches are undone newest first, 1.0.0 serves', async () => {
    const { key } = await matrix.start('1.2.1-broken', 'rolling');
    const done = await matrix.ended(key);
    expect(done.state).toBe('rolled_back');
    expect(done.steps.filter((step) => step.stepId.startsWith('rollback.')).map((step) => step.name)).toEqual([
      'Put the previous version back on batch 2/2 (instances 2, 3)',
      'Put the previous version back on batch 1/2 (instances 0, 1)',
    ]);
    await expectServedBy(matrix, '1.0.0');
  }, 90_000);

  it('a rollback whose validation fails (the previous version is broken too) ends rollback_failed, pages on-call, and never says restored', async () => {
    await matrix.deployed('1.3.0');
    const { key } = await matrix.start('1.4.0-broken');
    await matrix.until(key, ['monitoring']);
    // The old slot, kept warm for a switch back, dies.
    const old = Object.values(matrix.pool().backends).find((backend) => backend.version === '1.3.0');
    expect(old).toBeDefined();
    process.kill(old!.pid, 'SIGKILL');
    const done = await matrix.ended(key);
    expect(done.state).toBe('rollback_failed');
    expect(done.rollback?.validations.at(-1)?.status).toBe('FAILED');
    const message = await matrix.rollbackMessage(key);
    expect(message).toContain('Rollback FAILED');
    expect(message).toContain('Production is not restored');
    expect(message).not.toContain('Validated');
    await expect.poll(() => matrix.pagesOf(key).join('\n'), { timeout: 10_000 }).toContain('did not restore production');
  }, 120_000);
});
