/**
 * What people may see of a filled-in template. Messages show templates filled in (a tired on-call
 * must be able to read and click `GET http://127.0.0.1:8080/health`), except what may be a secret:
 * - the value of an env variable whose name looks secret (`looksSecret`), wherever it appears;
 * - every env value used in a header or a body (header values are never shown at all);
 * - a URL's userinfo (`user:password@`), and the value of a query parameter whose name looks secret.
 * Those are `***`. Other env values (a port, a host name, a path) are shown as filled in.
 */

/**
 * Word parts that make a name look secret. Beyond the obvious: PASS (DB_PASS), APIKEY (one word in
 * many APIs), SIG and SIGNATURE (signed URLs: Azure's `sig`, AWS's `X-Amz-Signature`). A plural
 * counts too (API_KEYS).
 */
const SECRET_WORDS = new Set([
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'PASSWD',
  'PASS',
  'KEY',
  'APIKEY',
  'AUTH',
  'AUTHORIZATION',
  'CREDENTIAL',
  'PRIVATE',
  'SESSION',
  'COOKIE',
  'SIG',
  'SIGNATURE',
]);

/**
 * Whether a variable or query parameter name looks secret: one of its word parts (split at `_`, `-`,
 * `.`, digits and camelCase humps, case-insensitive) is a secret word. `API_TOKEN`, `apiKey`,
 * `access_token`, `X-Amz-Signature` do; `DEMO_PORT`, `KEYCLOAK_URL`, `MONKEY` do not.
 */
export function looksSecret(name: string): boolean {
  const parts = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z]+/)
    .filter(Boolean)
    .map((part) => part.toUpperCase());
  return parts.some((part) => SECRET_WORDS.has(part) || (part.endsWith('S') && SECRET_WORDS.has(part.slice(0, -1))));
}

/** scheme://userinfo@…: the userinfo runs to the last @ before the path, query or fragment. */
const USERINFO = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#]*)@/;

/** Whether a URL carries user:password@ (which fetch refuses to send). */
export function hasUserinfo(url: string): boolean {
  return USERINFO.test(url);
}

/** A URL as people may see it: its userinfo is ***, and so is the value of each query parameter whose name looks secret. */
export function maskUrl(url: string): string {
  const withoutUserinfo = url.replace(USERINFO, '$1***@');
  return mapQuery(withoutUserinfo, (name, value) => (value !== '' && looksSecret(name) ? '***' : value));
}

/**
 * What maskUrl hides in a filled URL, as written and decoded, so it can be masked wherever else it
 * shows (fetch's own error messages quote the URL; a server may echo a token back).
 */
export function urlSecrets(url: string): string[] {
  const found: string[] = [];
  const userinfo = USERINFO.exec(url)?.[2];
  if (userinfo) {
    const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
    found.push(userinfo, password);
  }
  mapQuery(url, (name, value) => {
    if (looksSecret(name)) found.push(value);
    return value;
  });
  return [...new Set(found.flatMap((text) => [text, decoded(text)]))].filter(Boolean);
}

/** Rewrites each query parameter's value (names are read decoded); the rest of the URL stays as it is. */
function mapQuery(url: string, rewrite: (name: string, value: string) => string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const end = url.includes('#', start) ? url.indexOf('#', start) : url.length;
  const query = url
    .slice(start + 1, end)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals < 0) return pair;
      return `${pair.slice(0, equals)}=${rewrite(decoded(pair.slice(0, equals)), pair.slice(equals + 1))}`;
    })
    .join('&');
  return `${url.slice(0, start + 1)}${query}${url.slice(end)}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
