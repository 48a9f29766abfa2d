import { describe, expect, it } from 'vitest';
import { interpolate, mask, withRunVariables } from '../../src/executors/interpolate.ts';
import type { StepContext } from '../../src/ports.ts';

const context: StepContext = { runId: '11111111-1111-4111-8111-111111111111', runKey: 'api-7', service: 'api', version: '1.4.2+build.1', environment: 'production' };

describe('interpolate', () => {
  it('fills run variables and env values, and lists the env values it used', () => {
    expect(interpolate('${service}:${version}@${environment}/${run} ${env.A}', context, { A: 'alpha' })).toEqual({ value: 'api:1.4.2+build.1@production/api-7 alpha', unknown: [], fromEnv: ['alpha'] });
  });

  it('URL-encodes run variables in URLs, not env values (trusted configuration, e.g. a base URL)', () => {
    expect(interpolate('${env.BASE}/v/${version}', context, { BASE: 'http://h:1/x' }, { url: true }).value).toBe('http://h:1/x/v/1.4.2%2Bbuild.1');
  });

  it('reports unknown names, including ones only an object prototype has', () => {
    expect(interpolate('${toString}${constructor}${env.MISSING}', context, {})).toMatchObject({ unknown: ['toString', 'constructor', 'env.MISSING'], fromEnv: [] });
  });

  it('uses a fallback for an unset or empty env variable; the fallback is not a secret', () => {
    expect(interpolate('${env.U:-https://api.github.com}', context, {})).toEqual({ value: 'https://api.github.com', unknown: [], fromEnv: [] });
    expect(interpolate('${env.U:-https://api.github.com}', context, { U: '' }).value).toBe('https://api.github.com');
    expect(interpolate('${env.U:-https://api.github.com}', context, { U: 'http://127.0.0.1:9' })).toMatchObject({ value: 'http://127.0.0.1:9', fromEnv: ['http://127.0.0.1:9'] });
  });
});

describe('withRunVariables', () => {
  it('fills only run variables and leaves the rest as written', () => {
    expect(withRunVariables('${env.API}/${service}/${x}', context)).toBe('${env.API}/api/${x}');
  });
});

describe('mask', () => {
  it('replaces every occurrence of each secret, longest first', () => {
    expect(mask('token abcdef and abcdefgh', ['abcdef', 'abcdefgh'])).toBe('token *** and ***');
  });

  it('leaves values under 4 characters alone', () => {
    expect(mask('port 1 of 10', ['1', '10'])).toBe('port 1 of 10');
  });
});
