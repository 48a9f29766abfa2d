import { z } from 'zod';
import type { Reading } from '../domain/assess.ts';
import type { MetricMonitor } from '../domain/plan.ts';
import { interpolate, mask } from '../executors/interpolate.ts';
import { hasUserinfo, maskUrl, urlSecrets } from '../executors/masking.ts';
import type { MetricSource, StepContext } from '../ports.ts';

/** What /api/v1/query answers, as far as we read it. */
const answer = z.object({
  status: z.enum(['success', 'error']),
  error: z.string().optional(),
  data: z
    .object({
      resultType: z.enum(['vector', 'scalar', 'matrix', 'string']),
      result: z.unknown(),
    })
    .optional(),
});
const sampleValue = z.tuple([z.number(), z.string()]);
const vector = z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue }));

/**
 * Instant PromQL queries over Prometheus' HTTP API. One number per query: an empty result, NaN,
 * several series, a refused connection or refused credentials or a Prometheus error is `value: null` with the reason —
 * inconclusive, for the domain to weigh. The URL and the query may use ${env.NAME} and the run
 * variables; a reading shows them filled in, masked as an HTTP step's are (executors/masking.ts), and
 * never a header value.
 */
export function createPrometheusSource(env: NodeJS.ProcessEnv): MetricSource {
  return {
    async read(monitor: MetricMonitor, context: StepContext): Promise<Reading> {
      const query = interpolate(monitor.prometheus.query, context, env);
      const base = interpolate(monitor.prometheus.url, context, env);
      const secrets = [...query.secrets, ...base.secrets, ...urlSecrets(base.value)];
      const headers: Record<string, string> = {};
      const headerProblems: string[] = [];
      for (const [name, template] of Object.entries(monitor.prometheus.headers)) {
        const filled = interpolate(template, context, env);
        if (filled.unknown.length) headerProblems.push(`Prometheus header ${name} uses ${filled.unknown.join(', ')}, which is not set`);
        secrets.push(...filled.fromEnv, ...filled.secrets);
        headers[name] = filled.value;
      }
      // What the reading shows: the query as sent, the URL as called, each masked.
      const source = mask(query.shown, secrets);
      const shownUrl = mask(maskUrl(base.shown.replace(/\/$/, '')), secrets);
      const inconclusive = (detail: string): Reading => ({ metric: monitor.metric, value: null, source, detail: mask(detail, secrets) });
      if (base.unknown.length) return inconclusive(`the Prometheus URL uses ${base.unknown.join(', ')}, which is not set`);
      if (!/^https?:\/\//.test(base.value)) return inconclusive(`the Prometheus URL "${shownUrl}" is not http(s)`);
      if (headerProblems.length) return inconclusive(headerProblems[0]!);
      if (query.unknown.length) return inconclusive(`the query uses unknown variables: ${query.unknown.join(', ')}`);
      if (hasUserinfo(base.value)) {
        return inconclusive(
          `Prometheus request not sent: its URL ${shownUrl} has user:password@, which fetch refuses; send credentials in monitor.prometheus.headers`,
        );
      }
      const url = `${base.value.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query.value)}`;
      try {
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(monitor.prometheus.timeout) });
        if (response.status === 401 || response.status === 403) {
          const names = Object.keys(headers);
          const hint = names.length ? `check the env values in its headers (${names.join(', ')})` : 'the monitor sends none: set monitor.prometheus.headers';
          return inconclusive(`Prometheus refused the credentials (${response.status}); ${hint}`);
        }
        const parsed = answer.safeParse(await response.json().catch(() => null));
        if (!parsed.success) return inconclusive(`Prometheus answered ${response.status} with something that is not a query result`);
        if (parsed.data.status === 'error' || !parsed.data.data) return inconclusive(`Prometheus: ${parsed.data.error ?? `status ${response.status}`}`);
        const value = numberOf(parsed.data.data.resultType, parsed.data.data.result);
        if (typeof value === 'string') return inconclusive(value);
        return { metric: monitor.metric, value, source, detail: `${monitor.metric} = ${+value.toPrecision(6)}` };
      } catch (error) {
        if ((error as Error).name === 'TimeoutError')
          return inconclusive(`Prometheus unreachable at ${shownUrl}: no answer within ${monitor.prometheus.timeout}ms`);
        const cause = (error as { cause?: { code?: string } }).cause;
        if (cause) return inconclusive(`Prometheus unreachable at ${shownUrl}: ${cause.code ?? 'fetch failed'}`);
        // No network cause: fetch would not build the request, and its message quotes the URL or a header value, possibly a secret.
        return inconclusive(`Prometheus request to ${shownUrl} not sent: a malformed header value or URL; not shown, it may hold a secret`);
      }
    },
  };
}

/** The single number of a result, or why there is none. */
function numberOf(resultType: string, result: unknown): number | string {
  let raw: string | undefined;
  if (resultType === 'scalar') {
    const scalar = sampleValue.safeParse(result);
    raw = scalar.success ? scalar.data[1] : undefined;
  } else if (resultType === 'vector') {
    const series = vector.safeParse(result);
    if (!series.success) return 'unreadable vector';
    if (series.data.length === 0) return 'no data (the query returned no series)';
    if (series.data.length > 1) return `the query returned ${series.data.length} series; aggregate it to one (e.g. sum(...))`;
    raw = series.data[0]!.value[1];
  } else {
    return `a ${resultType} result; write an instant query that returns one number`;
  }
  const value = Number(raw);
  return raw === undefined || !Number.isFinite(value) ? `not a number (${raw})` : value;
}
