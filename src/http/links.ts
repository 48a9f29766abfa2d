import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RunLinks } from '../ports.ts';

/**
 * Signed links to serve's pages. A page holds production details, so nothing is public: a link posted in
 * chat carries `exp` (unix seconds) and `sig` = HMAC-SHA256(LINK_SECRET, "<path>\n<exp>"), base64url. Anyone
 * in the channel saw the run already; the link stops working at `exp` (LINK_TTL_MS after it was made), and
 * rotating LINK_SECRET revokes every link at once. One signature covers a page and its downloads (the path
 * signed is the page's, e.g. /runs/demo-2). No cookie, no session: a fresh link comes from `/deploy status`.
 */

/** `runUrl`: `PUBLIC_URL/runs/<key>?exp=…&sig=…`, valid for LINK_TTL_MS from `now`. */
export interface Links extends RunLinks {
  verify(path: string, query: { exp?: unknown; sig?: unknown }, now: Date): LinkVerdict;
}

export type LinkVerdict = { ok: true; exp: number } | { ok: false; reason: 'missing' | 'expired' | 'invalid' };

/** `publicUrl` may be a function: the demo knows its address only once its server listens. */
export function createLinks(publicUrl: string | (() => string), secret: string, ttlMs: number): Links {
  const base = () => (typeof publicUrl === 'string' ? publicUrl : publicUrl()).replace(/\/+$/, '');
  const sign = (path: string, exp: number) => createHmac('sha256', secret).update(`${path}\n${exp}`).digest('base64url');
  const url = (path: string, now: Date) => {
    const exp = Math.floor((now.getTime() + ttlMs) / 1_000);
    return `${base()}${path}?exp=${exp}&sig=${sign(path, exp)}`;
  };
  return {
    runUrl: (key, now) => url(`/runs/${encodeURIComponent(key)}`, now),
    serviceUrl: (service, now) => url(`/services/${encodeURIComponent(service)}`, now),
    verify(path, query, now) {
      if (typeof query.exp !== 'string' || typeof query.sig !== 'string') return { ok: false, reason: 'missing' };
      if (!/^\d{1,12}$/.test(query.exp)) return { ok: false, reason: 'invalid' };
      const exp = Number(query.exp);
      const expected = Buffer.from(sign(path, exp));
      const given = Buffer.from(query.sig);
      // The signature first, so an expired link someone edited reads as invalid rather than as merely old.
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'invalid' };
      if (exp * 1_000 <= now.getTime()) return { ok: false, reason: 'expired' };
      return { ok: true, exp };
    },
  };
}
