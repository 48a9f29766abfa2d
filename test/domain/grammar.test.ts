import { describe, expect, it } from 'vitest';
import { parseCommand, tokenize } from '../../src/domain/command.ts';

describe('the /deploy grammar', () => {
  it.each([
    ['start api 1.4.2', { kind: 'start', service: 'api', version: '1.4.2', environment: null }],
    ['start api 1.4.2 production', { kind: 'start', service: 'api', version: '1.4.2', environment: 'production' }],
    ['  START api v2.0.0-rc.1  ', { kind: 'start', service: 'api', version: 'v2.0.0-rc.1', environment: null }],
    ['status', { kind: 'status', run: null }],
    ['status api-42', { kind: 'status', run: 'api-42' }],
    ['rollback api-42', { kind: 'rollback', run: 'api-42', reason: null }],
    ['rollback api-42 "error rate 20%"', { kind: 'rollback', run: 'api-42', reason: 'error rate 20%' }],
    ['cancel api-42 “wrong build” today', { kind: 'cancel', run: 'api-42', reason: 'wrong build today' }],
    ['help', { kind: 'help' }],
    ['', { kind: 'help' }],
  ])('%j', (text, expected) => {
    expect(parseCommand(text)).toEqual(expected);
  });

  it.each([
    ['start', 'needs a service and a version', '/deploy start <service> <version> [environment]'],
    ['start api', 'needs a service and a version', '/deploy start'],
    ['start API 1.0.0', 'is not a service name', '/deploy start'],
    ['start api 1.0;rm', 'is not a version', '/deploy start'],
    ['start api 1.0.0 prod extra', 'Unexpected "extra"', '/deploy start'],
    ['start api 1.0.0 --at 14:00', '--at is not available yet', '/deploy start'],
    ['rollback', 'needs a run id', '/deploy rollback <run> [reason]'],
    ['cancel 42', 'is not a run id', '/deploy cancel'],
    ['status a b', 'at most one run id', '/deploy status'],
    ['launch api 1.0.0', '"launch" is not a Flightdeck command', '/deploy help'],
  ])('%j is refused with the right syntax', (text, message, usage) => {
    const result = parseCommand(text);
    expect(result).toMatchObject({ kind: 'parse_error', message: expect.stringContaining(message), usage: expect.stringContaining(usage) });
  });

  it('keeps quoted phrases together, with straight or curly quotes', () => {
    expect(tokenize(`a "b c" 'd e' “f g”`)).toEqual(['a', 'b c', 'd e', 'f g']);
  });
});
