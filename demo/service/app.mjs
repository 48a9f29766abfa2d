// One slot of the demo service: a real HTTP server that reports its version.
// Versions containing "broken" pass a direct health check but fail under production traffic
// (requests the router marks as live), the way a bad release often does.
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const version = process.argv[3];
const broken = version.includes('broken');

createServer((request, response) => {
  const live = request.headers['x-demo-live'] === '1';
  if (broken && live) {
    response.writeHead(500, { 'content-type': 'application/json' });
    return response.end(JSON.stringify({ version, error: 'NullPointerException in checkout' }));
  }
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ version, status: 'ok', path: request.url }));
}).listen(port, '127.0.0.1');
