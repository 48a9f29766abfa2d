import { describe, expect, it } from 'vitest';
import { interpolate, mask, withRunVariables } from '../../src/executors/interpolate.ts';
import { looksSecret, maskUrl, urlSecrets } from '../../src/executors/masking.ts';
import type { StepContext } from '../../src/ports.ts';

const context: StepContext = {
  runId: '11111111-1111-4111-8111-111111111111',
  runKey: 'api-7',
  service: 'api',
  version: '1.4.2+build.1',
  environment: 'production',
};

describe('interpolate', () => {
  it('fills run variables and env values, and lists the env values it used', () => {
    expect(interpolate('${service}:${version}@${environment}/${run} ${env.A}', context, { A: 'alpha' })).toEqual({
      value: 'api:1.4.2+build.1@production/api-7 alpha',
      shown: 'api:1.4.2+build.1@production/api-7 alpha',
      unknown: [],
      fromEnv: ['alpha'],
      secrets: [],
    });
  });

  it('URL-encodes run variables in URLs, not env values (trusted configuration, e.g. a base URL)', () => {
    expect(interpolate('${env.BASE}/v/${version}', context, { BASE: 'http://h:1/x' }, { url: true }).value).toBe('http://h:1/x/v/1.4.2%2Bbuild.1');
  });

  it('reports unknown names, including ones only an object prototype has', () => {
    expect(interpolate('${toString}${constructor}${env.MISSING}', context, {})).toMatchObject({
      unknown: ['toString', 'constructor', 'env.MISSING'],
      fromEnv: [],
    });
  });

  it('uses a fallback for an unset or empty env variable; the fallback is not a secret', () => {
    expect(interpolate('${env.U:-https://api.github.com}', context, {})).toEqual({
      value: 'https://api.github.com',
      shown: 'https://api.github.com',
      unknown: [],
      fromEnv: [],
      secrets: [],
    });
    expect(interpolate('${env.U:-https://api.github.com}', context, { U: '' }).value).toBe('https://api.github.com');
    expect(interpolate('${env.U:-https://api.github.com}', context, { U: 'http://127.0.0.1:9' })).toMatchObject({
      value: 'http://127.0.0.1:9',
      fromEnv: ['http://127.0.0.1:9'],
    });
  });
});

describe('interpolate: what people may see', () => {
  it('shows an env value filled in, unless its name looks secret: then *** and listed among the secrets', () => {
    const filled = interpolate('http://${env.HOST}:${env.DEMO_PORT}/x?t=${env.API_TOKEN}', context, {
      HOST: 'db.internal',
      DEMO_PORT: '8080',
      API_TOKEN: 'ab',
    });
    expect(filled).toMatchObject({ value: 'http://db.internal:8080/x?t=ab', shown: 'http://db.internal:8080/x?t=***', secrets: ['ab'] });
  });

  it('a secret name is masked even when its fallback fills it; an unknown name is shown by name, never as a raw ${…}', () => {
    expect(interpolate('${env.DB_PASSWORD:-dev-only}', context, {})).toMatchObject({ value: 'dev-only', shown: '***', secrets: ['dev-only'], fromEnv: [] });
    expect(interpolate('${env.NOPE}/${build}', context, {})).toMatchObject({ value: '${env.NOPE}/${build}', shown: '<unknown env.NOPE>/<unknown build>' });
  });
});

describe('looksSecret', () => {
  it('is true when a word part of the name is a secret word, in any case, plural too', () => {
    for (const name of [
      'API_TOKEN',
      'GITHUB_TOKEN',
      'token',
      'access_token',
      'apiKey',
      'APIKey',
      'api-key',
      'APIKEY',
      'DB_PASS',
      'DB_PASSWD',
      'PASSWORD2',
      'X-Amz-Signature',
      'sig',
      'SESSION_ID',
      'AUTH',
      'Authorization',
      'PRIVATE_PEM',
      'COOKIE_JAR',
      'AWS_CREDENTIALS',
      'SIGNING_SECRET',
      'API_KEYS',
    ]) {
      expect.soft(looksSecret(name), name).toBe(true);
    }
  });

  it('is false for names that merely contain a secret word inside another word', () => {
    for (const name of [
      'DEMO_PORT',
      'PROMETHEUS_URL',
      'HOST',
      'KEYCLOAK_URL',
      'MONKEY',
      'AUTHOR',
      'TOKENIZER_PATH',
      'PASSAGE',
      'version',
      'PROMETHEUS_BASIC',
    ]) {
      expect.soft(looksSecret(name), name).toBe(false);
    }
  });
});

describe('maskUrl and urlSecrets', () => {
  it('masks the userinfo and the values of query parameters whose names look secret, and nothing else', () => {
    expect(maskUrl('https://deployer:pw@ci.example/api?ref=main&access_token=ghp_1&apiKey=&x=1#frag')).toBe(
      'https://***@ci.example/api?ref=main&access_token=***&apiKey=&x=1#frag',
    );
    expect(maskUrl('http://127.0.0.1:8080/health')).toBe('http://127.0.0.1:8080/health');
  });

  it('lists what it masks, as written and decoded, to mask it wherever else it shows', () => {
    expect(urlSecrets('https://deployer:p%40ss@ci.example/?token=a%2Bb&ref=main')).toEqual(
      expect.arrayContaining(['deployer:p%40ss', 'deployer:p@ss', 'p%40ss', 'p@ss', 'a%2Bb', 'a+b']),
    );
    expect(urlSecrets('https://ci.example/?ref=main')).toEqual([]);
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
