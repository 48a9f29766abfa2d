import { commitTimeIn, type CommitLookup } from '../domain/commit-lookup.ts';
import { interpolate, mask } from '../executors/interpolate.ts';
import { hasUserinfo, maskUrl, urlSecrets } from '../executors/masking.ts';
import type { CommitTimes, StepContext } from '../ports.ts';

/**
 * When a commit was made, asked of the plan's `commits.url` (e.g. GitHub's commits API) with one GET.
 * Errors are values, never thrown, and every problem is masked as an HTTP step's output is
 * (executors/masking.ts): header values are never quoted, a secret env value or URL credential is ***.
 */
export function createCommitTimes(env: NodeJS.ProcessEnv): CommitTimes {
  return {
    async lookUp(lookup: CommitLookup, sha: string, context: StepContext) {
      // The sha is hex (checked by the command grammar and the job's schema), so it needs no encoding.
      const url = interpolate(lookup.url.split('${sha}').join(sha), context, env, { url: true });
      const secrets = [...url.secrets, ...urlSecrets(url.value)];
      const headers: Record<string, string> = { accept: 'application/json' };
      for (const [name, template] of Object.entries(lookup.headers)) {
        const filled = interpolate(template, context, env);
        if (filled.unknown.length) return { ok: false, problem: `header ${name} uses ${filled.unknown.join(', ')}, which is not set` };
        if (/[\r\n\0]/.test(filled.value.trim())) return { ok: false, problem: `header ${name} holds a line break or NUL (check the env values it uses)` };
        secrets.push(...filled.fromEnv, ...filled.secrets);
        headers[name] = filled.value;
      }
      const shown = `GET ${mask(maskUrl(url.shown), secrets)}`;
      const problem = (text: string) => ({ ok: false as const, problem: mask(`${shown}: ${text}`, secrets) });
      if (url.unknown.length) return problem(`the URL uses unknown variables: ${url.unknown.join(', ')}`);
      if (!/^https?:\/\//.test(url.value)) return problem('the URL is not http(s)');
      if (hasUserinfo(url.value)) return problem('the URL has user:password@, which fetch refuses; send credentials in commits.headers');
      try {
        const response = await fetch(url.value, { headers, signal: AbortSignal.timeout(lookup.timeout), redirect: 'follow' });
        if (!response.ok) {
          await response.body?.cancel();
          const hint = response.status === 401 || response.status === 403 ? ' (refused the credentials: check the env values in commits.headers)' : '';
          return problem(`${response.status}${hint}`);
        }
        const body: unknown = await response.json().catch(() => undefined);
        if (body === undefined) return problem(`${response.status}, not JSON`);
        const found = commitTimeIn(body, lookup.field);
        return 'at' in found ? { ok: true, at: found.at } : problem(found.problem);
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') return problem(`no answer within ${lookup.timeout}ms`);
        const cause = (error as { cause?: { code?: string } }).cause;
        // Without a network cause fetch would not build the request, and its message may quote a header value.
        return problem(cause ? `unreachable (${cause.code ?? 'fetch failed'})` : 'not sent: a malformed header value or URL');
      }
    },
  };
}
