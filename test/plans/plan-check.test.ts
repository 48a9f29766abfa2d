import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/runtime.ts';

const run = promisify(execFile);

/** `flightdeck plan check <file>` on a file written for the test, through the real CLI. */
async function planCheck(text: string | null): Promise<{ code: number; stderr: string; file: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'flightdeck-plan-check-')), 'api.yaml');
  if (text !== null) writeFileSync(file, text);
  try {
    await run(process.execPath, [join(PROJECT_ROOT, 'bin/flightdeck.js'), 'plan', 'check', file], { cwd: PROJECT_ROOT });
    return { code: 0, stderr: '', file };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr, file };
  }
}

const MISTAKEN = `service: api
people:
  bob: { slack: U1 }
approvers: [bob]
onCall: [bob]
freezeWindows: []
environments:
  production:
    channel: { slack: C1 }
    rollbackTrigers: ['health failing for 3 checks']
    strategy:
      kind: blue-green
      deployIdle: { name: Deploy, run: [./ctl, deploy] }
      checkIdle: { name: Check, http: { url: 'http://idle/health' } }
      switch: { name: Switch, run: [./ctl, switch] }
      switchBack: { name: Switch back, run: [./ctl, switch-back], timout: 5s }
`;

const IMPOSSIBLE = `service: api
people:
  alice: { slack: U1 }
  bob: { slack: U2 }
deployers: [alice]
approvers: [alice, bob, zed]
onCall: [bob]
environments:
  production:
    approval: { quorum: 3 }
    channel: { slack: C1 }
    strategy:
      kind: canary
      deploy: { name: Deploy, run: [./ctl] }
      setWeight: { name: Weight, run: [./ctl] }
      promote: { name: Promote, run: [./ctl] }
      abort: { name: Abort, run: [./ctl] }
      steps: [{ weight: 50, hold: 1m }, { weight: 25, hold: 1m }]
    monitoring: { check: { url: 'http://api/health' }, every: 10s, for: 5m }
    rollbackTriggers:
      - error_rate > 5% for 1m
freezes:
  - { name: weekdays, zone: UTC, weekly: { from: Mon 00:00, to: Sat 00:00 } }
  - { name: weekend, zone: UTC, weekly: { from: Sat 00:00, to: Mon 00:00 } }
`;

describe('flightdeck plan check', () => {
  it('names each unknown key at its line and column, with the key it is closest to', async () => {
    const { code, stderr, file } = await planCheck(MISTAKEN);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n').sort()).toEqual(
      [
        `${file}:6:1: freezeWindows: is not a key here; did you mean "freezes"?`,
        `${file}:10:5: environments.production.rollbackTrigers: is not a key here; did you mean "rollbackTriggers"?`,
        `${file}:16:67: environments.production.strategy.switchBack.timout: is not a key here; did you mean "timeout"?`,
      ].sort(),
    );
  });

  it('lists every problem in one pass, top to bottom: shape, people, and a plan that can never work', async () => {
    const { code, stderr, file } = await planCheck(IMPOSSIBLE);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `${file}:6:25: approvers[2]: "zed" is not listed under people or groups`,
      `${file}:10:17: environments.production.approval.quorum: needs 3 GOs, but a run started by alice can get at most 2: the requester may not approve their own run (allowSelfApproval is false). Lower the quorum, add approvers, or let someone else deploy`,
      `${file}:18:43: environments.production.strategy.steps[1].weight: must be more than the step before (50)`,
      `${file}:21:9: environments.production.rollbackTriggers[0]: reads error_rate, which monitoring.metrics does not measure`,
      `${file}:22:1: freezes: the weekly windows for production cover every hour of the week: no run could start there without --emergency`,
    ]);
  });

  it('a YAML syntax error is one line with its position, and exits 2 (unreadable)', async () => {
    // The flow sequence opened on line 3 is never closed; YAML notices on line 4.
    const { code, stderr, file } = await planCheck('service: api\nenvironments:\n  production: [1\n  staging: 2\n');
    expect(code).toBe(2);
    expect(stderr.trim()).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:\\d+: \\(root\\): is not valid YAML: `));
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a missing file is one line, not a stack, and exits 2', async () => {
    const { code, stderr, file } = await planCheck(null);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe(`${file}: no such file or folder`);
  });
});
