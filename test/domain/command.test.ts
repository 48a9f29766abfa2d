import { describe, expect, it } from 'vitest';
import { HELP_LINES, parseCommand, ROLLBACK_USAGE, tokenize, USAGE, writesNothing, type Command, type ParseError } from '../../src/domain/command.ts';

function refused(text: string): ParseError {
  const result = parseCommand(text);
  if (result.kind !== 'parse_error') throw new Error(`${JSON.stringify(text)} was accepted as ${JSON.stringify(result)}`);
  return result;
}

describe('parseCommand: start', () => {
  it('takes a service and a version; the environment is left to the plan default', () => {
    expect(parseCommand('start checkout 2.3.0')).toEqual({
      kind: 'start',
      service: 'checkout',
      version: '2.3.0',
      environment: null,
      dryRun: false,
      strategy: null,
    });
  });

  it('takes an optional environment', () => {
    expect(parseCommand('start checkout 2.3.0 staging')).toEqual({
      kind: 'start',
      service: 'checkout',
      version: '2.3.0',
      environment: 'staging',
      dryRun: false,
      strategy: null,
    });
  });

  it('ignores surrounding and repeated whitespace, and the verb’s case', () => {
    expect(parseCommand('   Start   checkout\t2.3.0-rc.1   production  ')).toEqual({
      kind: 'start',
      service: 'checkout',
      version: '2.3.0-rc.1',
      environment: 'production',
      dryRun: false,
      strategy: null,
    });
  });

  it('accepts versions with build metadata and a leading v', () => {
    expect(parseCommand('start checkout v2.3.0+build.7')).toMatchObject({ kind: 'start', version: 'v2.3.0+build.7' });
  });

  it.each([
    ['start', 'start needs a service and a version.'],
    ['start checkout', 'start needs a service and a version.'],
  ])('%j is missing arguments', (text, message) => {
    expect(refused(text)).toEqual({ kind: 'parse_error', message, usage: USAGE.start });
  });

  it.each(['Checkout', '9lives', 'check_out', 'api;rm', '-api', 'a'.repeat(41)])('refuses the service name %j', (service) => {
    const error = refused(`start ${service} 1.0.0`);
    expect(error.message).toBe(`"${service}" is not a service name (lower-case letters, digits, dashes).`);
    expect(error.usage).toBe(USAGE.start);
  });

  it('accepts a 40-character service name (the longest)', () => {
    expect(parseCommand(`start ${'a'.repeat(40)} 1.0.0`)).toMatchObject({ kind: 'start', service: 'a'.repeat(40) });
  });

  it.each(['1.0;rm', '$(whoami)', '.1.0', '1.0.0/../../etc', `1${'0'.repeat(64)}`, '-1.0'])('refuses the version %j', (version) => {
    expect(refused(`start checkout ${version}`)).toEqual({ kind: 'parse_error', message: `"${version}" is not a version.`, usage: USAGE.start });
  });

  it('refuses a bad environment name', () => {
    expect(refused('start checkout 1.0.0 Prod').message).toBe('"Prod" is not an environment name.');
  });

  it('refuses one extra argument', () => {
    expect(refused('start checkout 1.0.0 production now')).toEqual({ kind: 'parse_error', message: 'Unexpected "now".', usage: USAGE.start });
  });

  it('refuses extra arguments and names them', () => {
    const error = refused('start checkout 1.0.0 production now please');
    expect(error.message).toBe('Unexpected "now please".');
    expect(error.usage).toBe(USAGE.start);
  });

  it.each([
    ['start checkout 1.0.0 --dry-run', null],
    ['start --dry-run checkout 1.0.0', null],
    ['start checkout 1.0.0 staging --dry-run', 'staging'],
    ['start checkout --dry-run 1.0.0 staging', 'staging'],
    ['start checkout 1.0.0 —dry-run', null],
  ])('--dry-run may stand anywhere (%j), and an em dash counts as --', (text, environment) => {
    expect(parseCommand(text)).toEqual({ kind: 'start', service: 'checkout', version: '1.0.0', environment, dryRun: true, strategy: null });
  });

  it.each([
    ['start checkout 1.0.0 --at 14:00', '14:00'],
    ['start --at 14:00 checkout 1.0.0', '14:00'],
    ['start checkout 1.0.0 --at=14:00', '14:00'],
    ['start checkout 1.0.0 production --at "2026-11-24 14:00 Europe/Berlin"', '2026-11-24 14:00 Europe/Berlin'],
  ])('--at carries the time as typed (%j); domain/start-time.ts reads it', (text, at) => {
    expect(parseCommand(text)).toMatchObject({ kind: 'start', service: 'checkout', version: '1.0.0', at });
  });

  it('--strategy picks one of the four strategies by name', () => {
    expect(parseCommand('start checkout 1.0.0 production --strategy canary --dry-run')).toEqual({
      kind: 'start',
      service: 'checkout',
      version: '1.0.0',
      environment: 'production',
      dryRun: true,
      strategy: 'canary',
    });
    expect(parseCommand('start checkout 1.0.0 --strategy=feature-flag')).toMatchObject({ strategy: 'feature-flag' });
    expect(refused('start checkout 1.0.0 --strategy yolo').message).toBe('"yolo" is not a strategy (blue-green, rolling, canary or feature-flag).');
  });

  it('resume names a run and may say why', () => {
    expect(parseCommand('resume checkout-7 Prometheus is back')).toEqual({ kind: 'resume', run: 'checkout-7', reason: 'Prometheus is back' });
    expect(refused('resume').message).toBe('Which run? resume needs a run id.');
  });

  it('a quoted --emergency justification is one value, not positionals, wherever it stands', () => {
    // Were the words read as positionals, this would be "Unexpected …" instead.
    expect(parseCommand('start checkout 1.0.0 production --emergency "the fix for INC-42"')).toEqual({
      kind: 'start',
      service: 'checkout',
      version: '1.0.0',
      environment: 'production',
      dryRun: false,
      strategy: null,
      emergency: 'the fix for INC-42',
    });
    expect(parseCommand('start --emergency “checkout is down for everyone” checkout 1.0.0 --dry-run')).toMatchObject({
      service: 'checkout',
      environment: null,
      dryRun: true,
      emergency: 'checkout is down for everyone',
    });
    expect(parseCommand('start checkout 1.0.0 —emergency=INC-42')).toMatchObject({ emergency: 'INC-42' });
    expect(parseCommand('start checkout 1.0.0')).not.toHaveProperty('emergency');
  });

  it.each([
    ['start checkout 1.0.0 --at', '--at needs a time, e.g. --at 14:00 or --at "2026-11-24 14:00 Europe/Berlin".'],
    ['start checkout 1.0.0 --emergency --dry-run', '--emergency needs a justification, e.g. --emergency "checkout is down".'],
    ['start checkout 1.0.0 --emergency "   "', '--emergency needs a justification, e.g. --emergency "checkout is down".'],
    ['start checkout 1.0.0 --emergency', '--emergency needs a justification, e.g. --emergency "checkout is down".'],
    ['start checkout 1.0.0 --strategy=', '--strategy needs a strategy, e.g. --strategy canary.'],
    ['start checkout 1.0.0 --dry-run=yes', '--dry-run takes no value.'],
  ])('a flag without its value, or with one it does not take, is refused: %j', (text, message) => {
    expect(refused(text)).toEqual({ kind: 'parse_error', message, usage: USAGE.start });
  });

  it.each(['--force', '--dry', '--DRY-RUN', '--'])('an unknown option (%s) is refused politely, listing the options', (flag) => {
    const error = refused(`start checkout 1.0.0 production ${flag}`);
    expect(error.message).toBe(
      `${flag} is not an option of start. Options: --dry-run (list the steps, start nothing), --strategy <kind> (one the plan offers), --queue (start when the lock frees), --emergency "<why>" (inside a freeze window), --at "<when>" (schedule it).`,
    );
    expect(error.usage).toBe(USAGE.start);
  });

  it('still checks the positionals when --dry-run is given', () => {
    expect(refused('start checkout --dry-run').message).toBe('start needs a service and a version.');
    expect(refused('start checkout 1.0;rm --dry-run').message).toBe('"1.0;rm" is not a version.');
  });
});

describe('parseCommand: plan', () => {
  it('takes a service and an optional environment', () => {
    expect(parseCommand('plan checkout')).toEqual({ kind: 'plan', service: 'checkout', environment: null });
    expect(parseCommand('PLAN checkout staging')).toEqual({ kind: 'plan', service: 'checkout', environment: 'staging' });
  });

  it.each([
    ['plan', 'Which service? plan needs a service name.'],
    ['plan Checkout', '"Checkout" is not a service name (lower-case letters, digits, dashes).'],
    ['plan checkout Prod', '"Prod" is not an environment name.'],
    ['plan checkout production now', 'Unexpected "now".'],
  ])('refuses %j', (text, message) => {
    expect(refused(text)).toEqual({ kind: 'parse_error', message, usage: USAGE.plan });
  });
});

describe('parseCommand: status', () => {
  it('without a run key asks for the active runs', () => {
    expect(parseCommand('status')).toEqual({ kind: 'status', run: null });
  });

  it('with a run key asks for that run', () => {
    expect(parseCommand('status checkout-7')).toEqual({ kind: 'status', run: 'checkout-7' });
  });

  it.each(['7', 'checkout', 'Checkout-7', 'checkout-7b'])('refuses %j as a run key', (key) => {
    expect(refused(`status ${key}`)).toEqual({ kind: 'parse_error', message: `"${key}" is not a run id (they look like api-42).`, usage: USAGE.status });
  });

  it('takes at most one run key', () => {
    expect(refused('status checkout-7 checkout-8')).toEqual({ kind: 'parse_error', message: 'status takes at most one run id.', usage: USAGE.status });
  });
});

describe('parseCommand: rollback and cancel', () => {
  it('cancel with only a run key has no reason', () => {
    expect(parseCommand('cancel checkout-7')).toEqual({ kind: 'cancel', run: 'checkout-7', reason: null });
  });

  // A run key is a valid service name too: both readings are kept, and the use case picks what exists.
  it('rollback with only a run key has no reason, and may also name a service', () => {
    expect(parseCommand('rollback checkout-7')).toEqual({
      kind: 'rollback',
      run: 'checkout-7',
      reason: null,
      redeploy: { service: 'checkout-7', environment: null, to: null },
    });
  });

  it.each([
    ['rollback checkout-7 "error rate is 20%"', { kind: 'rollback', run: 'checkout-7', reason: 'error rate is 20%' }],
    ["rollback checkout-7 'error rate is 20%'", { kind: 'rollback', run: 'checkout-7', reason: 'error rate is 20%' }],
    ['rollback checkout-7 “error rate is 20%”', { kind: 'rollback', run: 'checkout-7', reason: 'error rate is 20%' }],
    ['cancel checkout-7 “wrong build”', { kind: 'cancel', run: 'checkout-7', reason: 'wrong build' }],
    ['cancel checkout-7 "wrong  build"', { kind: 'cancel', run: 'checkout-7', reason: 'wrong  build' }],
  ] satisfies [string, Command][])('a quoted reason is kept whole: %j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it('an unquoted reason is the rest of the line, words joined by single spaces', () => {
    expect(parseCommand('rollback checkout-7 p95   doubled after the switch')).toEqual({
      kind: 'rollback',
      run: 'checkout-7',
      reason: 'p95 doubled after the switch',
    });
  });

  it('keeps an apostrophe inside an unquoted word', () => {
    expect(parseCommand("cancel checkout-7 it's Friday")).toEqual({ kind: 'cancel', run: 'checkout-7', reason: "it's Friday" });
  });

  it('cancel without a run key asks which run', () => {
    expect(refused('cancel')).toEqual({ kind: 'parse_error', message: 'Which run? cancel needs a run id.', usage: USAGE.cancel });
  });

  it('rollback without a word asks which run or service, with both usages', () => {
    expect(refused('rollback')).toEqual({
      kind: 'parse_error',
      message: 'Which run or service? rollback needs a run id (a run in flight) or a service (a finished deployment).',
      usage: ROLLBACK_USAGE,
    });
    expect(ROLLBACK_USAGE).toBe(
      '/deploy rollback <run> [reason] (a run in flight) or /deploy rollback <service> [environment] [to <version>] (a finished deployment)',
    );
  });

  it('cancel refuses something that is not a run key', () => {
    expect(refused('cancel checkout "it broke"')).toEqual({
      kind: 'parse_error',
      message: '"checkout" is not a run id (they look like api-42).',
      usage: USAGE.cancel,
    });
  });

  it('recognises the verb in any case', () => {
    expect(parseCommand('ROLLBACK checkout-7')).toEqual({
      kind: 'rollback',
      run: 'checkout-7',
      reason: null,
      redeploy: { service: 'checkout-7', environment: null, to: null },
    });
  });
});

describe('parseCommand: rollback of a finished deployment', () => {
  it.each([
    ['rollback checkout', { service: 'checkout', environment: null, to: null }],
    ['rollback checkout production', { service: 'checkout', environment: 'production', to: null }],
    ['rollback checkout to 1.4.1', { service: 'checkout', environment: null, to: '1.4.1' }],
    ['rollback checkout staging TO v1.4.1+build.7', { service: 'checkout', environment: 'staging', to: 'v1.4.1+build.7' }],
  ] as const)('%j names a service, maybe an environment and a version', (text, redeploy) => {
    expect(parseCommand(text)).toEqual({ kind: 'rollback', run: null, reason: null, redeploy });
  });

  it('words after a run key that fit the second form are both a reason and an environment', () => {
    expect(parseCommand('rollback checkout-7 production')).toEqual({
      kind: 'rollback',
      run: 'checkout-7',
      reason: 'production',
      redeploy: { service: 'checkout-7', environment: 'production', to: null },
    });
    expect(parseCommand('rollback checkout-7 to 1.0.0')).toEqual({
      kind: 'rollback',
      run: 'checkout-7',
      reason: 'to 1.0.0',
      redeploy: { service: 'checkout-7', environment: null, to: '1.0.0' },
    });
  });

  it.each([
    ['rollback checkout "it broke"', '"it broke" is not an environment name. To roll back a run in flight, name the run (they look like api-42).'],
    ['rollback checkout production staging', 'Unexpected "staging": after the service, rollback takes an environment and "to <version>".'],
    ['rollback checkout to', '"to" needs a version, e.g. rollback api to 1.4.1.'],
    ['rollback checkout to 1.0.0 now', 'Unexpected "now" after the version.'],
    ['rollback checkout to not/a/version', '"not/a/version" is not a version.'],
    ['rollback Checkout!', '"Checkout!" is neither a run id (they look like api-42) nor a service name.'],
    ['rollback checkout --queue', 'rollback takes no options ("--queue"); it starts now or says what stops it.'],
    ['rollback checkout to 1.0.0 —dry-run', 'rollback takes no options ("—dry-run"); it starts now or says what stops it.'],
  ])('%j is refused with what is wrong and both usages', (text, message) => {
    expect(refused(text)).toEqual({ kind: 'parse_error', message, usage: ROLLBACK_USAGE });
  });

  it('help lists both rollbacks', () => {
    expect(HELP_LINES.filter((line) => line.startsWith('/deploy rollback '))).toEqual([
      expect.stringMatching(/^\/deploy rollback <run> \[reason\] — /),
      expect.stringMatching(/^\/deploy rollback <service> \[environment\] \[to <version>\] — roll a finished deployment back/),
    ]);
  });
});

describe('parseCommand: help and unknown verbs', () => {
  it.each(['help', 'HELP', 'help me please', '', '   '])('%j is help', (text) => {
    expect(parseCommand(text)).toEqual({ kind: 'help' });
  });

  it.each(['deploy checkout 1.0.0', 'launch', 'statuses', 'roll-back checkout-7'])('%j is not a command, and the answer lists them all', (text) => {
    const error = refused(text);
    const verb = text.split(' ')[0];
    expect(error.message).toBe(`"${verb}" is not a Flightdeck command.`);
    expect(error.usage).toBe(HELP_LINES.join('\n'));
    for (const usage of Object.values(USAGE)) expect(error.usage).toContain(usage);
  });
});

describe('tokenize', () => {
  it('keeps straight, single and curly quoted phrases together and drops the quotes', () => {
    expect(tokenize(`a "b c" 'd e' “f g” h`)).toEqual(['a', 'b c', 'd e', 'f g', 'h']);
  });

  it('an unterminated quote is an ordinary word', () => {
    expect(tokenize('a "b c')).toEqual(['a', '"b', 'c']);
  });

  it('an empty input has no tokens', () => {
    expect(tokenize('')).toEqual([]);
  });
});

describe('parseCommand: history, stats and --commit', () => {
  it('history names a service and maybe an environment', () => {
    expect(parseCommand('history api')).toEqual({ kind: 'history', service: 'api', environment: null });
    expect(parseCommand('history api staging')).toEqual({ kind: 'history', service: 'api', environment: 'staging' });
    expect(refused('history').message).toBe('Which service? history needs a service name.');
    expect(refused('history api staging extra').message).toBe('Unexpected "extra".');
  });

  it('stats may name a service, an environment and a window in days (90 unless told)', () => {
    expect(parseCommand('stats')).toEqual({ kind: 'stats', service: null, environment: null, days: 90 });
    expect(parseCommand('stats api production --days 30')).toEqual({ kind: 'stats', service: 'api', environment: 'production', days: 30 });
    expect(parseCommand('stats --days=7 api')).toEqual({ kind: 'stats', service: 'api', environment: null, days: 7 });
    expect(parseCommand('stats api —days 14')).toMatchObject({ days: 14 });
    for (const bad of ['stats --days', 'stats --days 0', 'stats --days 401', 'stats --days 1.5', 'stats --days x'])
      expect(refused(bad).message).toBe('--days needs a whole number of days from 1 to 400.');
    expect(refused('stats --weeks 2').message).toBe('--weeks is not an option of stats (only --days <n>).');
    expect(refused('stats API').message).toMatch(/^"API" is not a service name/);
  });

  it('--commit takes a sha, and the commit time after @ when the caller knows it', () => {
    expect(parseCommand('start api 1.4.2 --commit 3F2A9C1')).toMatchObject({ kind: 'start', commit: { sha: '3f2a9c1', at: null } });
    expect(parseCommand('start api 1.4.2 --commit 3f2a9c1@2026-11-23T10:00:00+01:00')).toMatchObject({
      commit: { sha: '3f2a9c1', at: '2026-11-23T09:00:00.000Z' },
    });
    expect(parseCommand('start api 1.4.2')).not.toHaveProperty('commit');
    expect(refused('start api 1.4.2 --commit main').message).toBe('"main" is not a commit sha (7 to 40 hex digits).');
    expect(refused('start api 1.4.2 --commit 3f2a9c1@today').message).toMatch(/^"today" is not a time: give the commit time as ISO 8601/);
    expect(refused('start api 1.4.2 --commit').message).toMatch(/^--commit needs a commit/);
  });
});

describe('writesNothing: which answers may come after the ack', () => {
  it('reads and refusals to parse write nothing; a dry run neither', () => {
    for (const text of [
      'help',
      'plan demo',
      'status',
      'status demo-1',
      'locks',
      'history demo',
      'stats',
      'stats demo production --days 7',
      'start demo 1.0.0 --dry-run',
      'start demo',
      'frobnicate',
    ])
      expect([text, writesNothing(parseCommand(text))]).toEqual([text, true]);
  });

  it('everything that changes something is answered once it is saved', () => {
    for (const text of [
      'start demo 1.0.0',
      'cancel demo-1',
      'resume demo-1',
      'rollback demo-1',
      'rollback demo production',
      'lock demo production 1h release',
      'unlock demo production done',
    ])
      expect([text, writesNothing(parseCommand(text))]).toEqual([text, false]);
  });
});
