// One slot of the demo service: a real HTTP server that reports its version.
// Versions containing "broken" pass a direct health check but fail under production traffic
// (requests the router marks as live), the way a bad release often does. Versions containing
// "errors" stay healthy but report a 20 % error ratio on /metrics, and "slow" a p95 latency of 0.6 s
// instead of 0.1 s: regressions only a metric trigger catches.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const version = process.argv[3];
const broken = version.includes('broken');
const errorRatio = version.includes('errors') ? 0.2 : 0.001;
const p95 = version.includes('slow') ? 0.6 : 0.1;

createServer((request, response) => {
  if (request.url === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return response.end(`# TYPE demo_error_ratio gauge\ndemo_error_ratio ${errorRatio}\n# TYPE demo_latency_p95_seconds gauge\ndemo_latency_p95_seconds ${p95}\n`);
  }
  const live = request.headers['x-demo-live'] === '1';
  if (broken && live) {
    response.writeHead(500, { 'content-type': 'application/json' });
    return response.end(JSON.stringify({ version, error: 'NullPointerException in checkout' }));
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ version, status: 'ok', path: request.url }));
}).listen(port, '127.0.0.1');
