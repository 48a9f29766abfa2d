import { z } from 'zod';
import type { Reading } from '../domain/assess.ts';
import type { MetricMonitor } from '../domain/plan.ts';
import { interpolate } from '../executors/interpolate.ts';
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
 * inconclusive, for the domain to weigh.
 */
export function createPrometheusSource(env: NodeJS.ProcessEnv): MetricSource {
  return {
    async read(monitor: MetricMonitor, context: StepContext): Promise<Reading> {
      const { query } = monitor.prometheus;
      const unknown = (value: null, detail: string): Reading => ({ metric: monitor.metric, value, source: query, detail });
      const base = interpolate(monitor.prometheus.url, context, env);
      if (base.unknown.length || !/^https?:\/\//.test(base.value)) return unknown(null, `Prometheus URL "${monitor.prometheus.url}" is not set (${base.unknown.join(', ') || 'not http(s)'})`);
      const headers: Record<string, string> = {};
      for (const [name, template] of Object.entries(monitor.prometheus.headers)) {
        const filled = interpolate(template, context, env);
        if (filled.unknown.length) return unknown(null, `Prometheus header ${name} uses ${filled.unknown.join(', ')}, which is not set`);
        headers[name] = filled.value;
      }
      const url = `${base.value.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
      try {
        const response = await fetch(url, { headers, signal: AbortSignal.timeout(monitor.prometheus.timeout) });
        if (response.status === 401 || response.status === 403) {
          const names = Object.keys(headers);
          const hint = names.length ? `check the env values in its headers (${names.join(', ')})` : 'the monitor sends none: set monitor.prometheus.headers';
          return unknown(null, `Prometheus refused the credentials (${response.status}); ${hint}`);
        }
        const parsed = answer.safeParse(await response.json().catch(() => null));
        if (!parsed.success) return unknown(null, `Prometheus answered ${response.status} with something that is not a query result`);
        if (parsed.data.status === 'error' || !parsed.data.data) return unknown(null, `Prometheus: ${parsed.data.error ?? `status ${response.status}`}`);
        const value = numberOf(parsed.data.data.resultType, parsed.data.data.result);
        if (typeof value === 'string') return unknown(null, value);
        return { metric: monitor.metric, value, source: query, detail: `${monitor.metric} = ${+value.toPrecision(6)}` };
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') return unknown(null, `Prometheus unreachable: no answer within ${monitor.prometheus.timeout}ms`);
        const cause = (error as { cause?: { code?: string } }).cause;
        if (cause) return unknown(null, `Prometheus unreachable: ${cause.code ?? 'fetch failed'}`);
        // No network cause: fetch would not build the request, and its message quotes the URL or a header value, possibly a secret.
        return unknown(null, 'Prometheus request not sent: a malformed header value or URL (or one with user:password@); not shown, it may hold a secret');
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
