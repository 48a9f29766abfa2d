// The demo service's load balancer. The state file is read on every request, so a change of the
// pool takes effect at once.
//   /_router/health   the router itself
//   /metrics          the metrics of every backend in the pool, each sample labelled with its backend
//                     and version, so max(demo_error_ratio) sees a bad canary at any weight above 0
//   /_idle/*          the blue/green slot being deployed (a staging slot URL), not production traffic
//   /_canary/*        the canary, not production traffic (to check it before it gets any weight)
//   anything else     production traffic: a backend of the pool drawn at random in proportion to its
//                     weight; the answer names it in the x-demo-backend header
import { request as forward, createServer } from 'node:http';
import { livePool, readState, routerPort } from './state.mjs';

function drawByWeight(pool) {
  let ticket = Math.random() * pool.reduce((sum, { weight }) => sum + weight, 0);
  return pool.find(({ weight }) => (ticket -= weight) < 0) ?? pool.at(-1);
}

/** Which backend a request goes to, the path it gets there, and whether it counts as production traffic. */
function route(state, url) {
  const named = (name) => name && state.backends[name] && { name, ...state.backends[name] };
  if (url.startsWith('/_idle/')) return { backend: named(state.idle), path: url.slice('/_idle'.length), live: false, missing: 'no slot is being deployed' };
  if (url.startsWith('/_canary/')) return { backend: named('canary'), path: url.slice('/_canary'.length), live: false, missing: 'no canary is deployed' };
  const pool = livePool(state);
  return { backend: pool.length ? drawByWeight(pool) : null, path: url, live: true, missing: 'nothing is live yet' };
}

const escape = (value) => String(value).replace(/[\\"]/g, '\\$&');

/** Prometheus text format: each metric family once, with all its samples together under its TYPE line. */
async function poolMetrics(pool) {
  const families = new Map();
  const family = (name, type) => families.get(name) ?? families.set(name, { type, samples: [] }).get(name);
  await Promise.all(
    pool.map(async ({ name, version, port, weight }) => {
      const labels = `backend="${escape(name)}",version="${escape(version)}"`;
      family('demo_backend_weight', 'gauge').samples.push(`demo_backend_weight{${labels}} ${weight}`);
      const text = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(1000) })
        .then((answer) => answer.text())
        .catch(() => null);
      family('demo_backend_up', 'gauge').samples.push(`demo_backend_up{${labels}} ${text === null ? 0 : 1}`);
      let type = 'untyped';
      for (const line of (text ?? '').split('\n')) {
        const declared = /^# TYPE (\S+) (\S+)/.exec(line);
        if (declared) type = declared[2];
        const sample = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (.+)$/.exec(line);
        if (sample) family(sample[1], type).samples.push(`${sample[1]}{${sample[2] ? `${sample[2]},` : ''}${labels}} ${sample[3]}`);
      }
    }),
  );
  return [...families].map(([name, { type, samples }]) => `# TYPE ${name} ${type}\n${samples.join('\n')}\n`).join('');
}

createServer(async (request, response) => {
  if (request.url === '/_router/health') return void response.end('router ok');
  const state = readState();
  if (request.url === '/metrics') {
    const pool = livePool(state);
    if (!pool.length) return void response.writeHead(503).end('nothing is live yet');
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return void response.end(await poolMetrics(pool));
  }
  const { backend, path, live, missing } = route(state, request.url);
  if (!backend) return void response.writeHead(503).end(missing);
  const upstream = forward(
    { host: '127.0.0.1', port: backend.port, path, method: request.method, headers: { ...request.headers, 'x-demo-live': live ? '1' : '0' } },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, { ...answer.headers, 'x-demo-backend': backend.name });
      answer.pipe(response);
    },
  );
  upstream.on('error', () => {
    if (!response.headersSent) response.writeHead(502, { 'x-demo-backend': backend.name });
    response.end(`${backend.name} is down`);
  });
  request.pipe(upstream);
}).listen(routerPort, '127.0.0.1');
