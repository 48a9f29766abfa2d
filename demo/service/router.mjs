// The demo service's load balancer: sends production traffic to the live slot (read from the
// state file on every request, so a switch takes effect at once), and /_idle/* to the slot
// being deployed, like a staging slot URL.
import { request as forward, createServer } from 'node:http';
import { readState, routerPort, slotPorts } from './state.mjs';

createServer((request, response) => {
  if (request.url === '/_router/health') return void response.end('router ok');
  const state = readState();
  const idle = request.url.startsWith('/_idle/');
  const slot = idle ? state.idle : state.live;
  if (!slot) {
    response.writeHead(503);
    return void response.end(idle ? 'no slot is being deployed' : 'no live slot yet');
  }
  const path = idle ? request.url.slice('/_idle'.length) : request.url;
  const upstream = forward(
    { host: '127.0.0.1', port: slotPorts[slot], path, method: request.method, headers: { ...request.headers, 'x-demo-live': idle ? '0' : '1' } },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => {
    response.writeHead(502);
    response.end(`slot ${slot} is down`);
  });
  request.pipe(upstream);
}).listen(routerPort, '127.0.0.1');
